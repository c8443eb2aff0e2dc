#!/usr/bin/env bash
# Regenerates the OpenSSL-made CMS samples in this directory (testdata/cms/).
#
#   bash testdata/cms/generate.sh
#
# Uses only the `openssl` CLI (written against OpenSSL 3.0.x) and the keys and
# certificates of testdata/pki/ — re-run it after testdata/pki/generate.sh. The GOST samples
# (gost2012-*.der) need the GOST engine (libengine-gost-openssl) and the keys of
# testdata/gost/; without the engine they are left as they are.
# Every run makes new signatures (signing-time, ECDSA and RSA-PSS randomness),
# so tests derive nothing from the signature bytes. Exits non-zero if a step or
# a self-check fails. testdata/README.md ("cms/") lists every file.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
pki=../pki
# 2027-01-01T00:00:00Z, the reference time of the test PKI.
AT_2027=1798761600

TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-cms.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "== $(openssl version)"
GOST=no
openssl engine gost >/dev/null 2>&1 && GOST=yes
for f in ./*.der ./*.pem content.txt OPENSSL_VERSION; do
  [[ -e "$f" ]] || continue
  [[ "$f" == ./gost2012-* && "$GOST" == no ]] && continue
  rm -f "$f"
done

# The signed document: UTF-8 text with CRLF and LF line ends, signed as binary (-binary), so no
# MIME canonicalization touches it.
printf 'Акт приёма-передачи № 17\r\nMoscow, 2026-11-23\nAct of acceptance no. 17: 3 items, 120000.00 RUB.\n' \
  > content.txt

sign() { # sign OUT SIGNER-STEM [openssl cms options...]
  local out="$1" stem="$2"; shift 2
  openssl cms -sign -binary -in content.txt \
    -signer "$pki/$stem.pem" -inkey "$pki/$stem.key.pem" "$@" -out "$out"
}

# --- one signer, DER --------------------------------------------------------
sign rsa-attached.der        leaf-rsa        -nodetach -outform DER
sign rsa-detached.der        leaf-rsa                  -outform DER
sign rsa-cades-attached.der  leaf-rsa        -nodetach -outform DER -cades -certfile "$pki/intermediate-ca.pem"
sign rsa-keyid-attached.der  leaf-rsa        -nodetach -outform DER -keyid
sign rsa-noattr-attached.der leaf-rsa        -nodetach -outform DER -noattr
sign rsa-pss-attached.der    leaf-rsa        -nodetach -outform DER \
  -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:digest
# OpenSSL's default PSS salt is the maximum (222 bytes here): outside the profile signflow's
# providers implement (salt = hash length), so this one verifies as indeterminate.
sign rsa-pss-maxsalt-attached.der leaf-rsa   -nodetach -outform DER -keyopt rsa_padding_mode:pss
sign ecdsa-attached.der      leaf-ecdsa-p256 -nodetach -outform DER
sign ecdsa-detached.der      leaf-ecdsa-p256           -outform DER
sign ecdsa-cades-detached.der leaf-ecdsa-p256          -outform DER -cades
sign ecdsa-sha512-attached.der leaf-ecdsa-p256 -nodetach -outform DER -md sha512
sign ecdsa-nosmimecap-attached.der leaf-ecdsa-p256 -nodetach -outform DER -nosmimecap
sign ecdsa-noattr-detached.der leaf-ecdsa-p256         -outform DER -noattr
# --- PEM --------------------------------------------------------------------
sign rsa-attached.pem        leaf-rsa        -nodetach -outform PEM
sign ecdsa-detached.pem      leaf-ecdsa-p256           -outform PEM
# --- several signers --------------------------------------------------------
openssl cms -sign -binary -in content.txt -nodetach -outform DER -out two-signers-attached.der \
  -signer "$pki/leaf-rsa.pem" -inkey "$pki/leaf-rsa.key.pem" \
  -signer "$pki/leaf-ecdsa-p256.pem" -inkey "$pki/leaf-ecdsa-p256.key.pem"
openssl cms -sign -binary -in content.txt -outform DER -out two-signers-detached.der -cades \
  -signer "$pki/leaf-rsa.pem" -inkey "$pki/leaf-rsa.key.pem" \
  -signer "$pki/leaf-ecdsa-p256.pem" -inkey "$pki/leaf-ecdsa-p256.key.pem"
# --- BER: -stream writes indefinite lengths and a constructed OCTET STRING ----
sign ber-attached.der        leaf-rsa        -nodetach -outform DER -stream
sign ber-detached.der        leaf-ecdsa-p256           -outform DER -stream
# --- signers that must be refused -------------------------------------------
sign expired-signer-attached.der leaf-expired -nodetach -outform DER
sign revoked-signer-attached.der leaf-revoked -nodetach -outform DER

# --- a swapped signer certificate --------------------------------------------
# Two certificates with leaf-rsa's issuer and serial (0x1002), issued by the test intermediate:
# one for leaf-rsa's own key with another subject (a re-issued certificate), one for another key
# (leaf-russian's). Each replaces the real signer certificate in a CAdES signature by leaf-rsa
# (-nocerts leaves the signer certificate out, -certfile puts the swapped one in). Valid for
# 3650 days from the day of generation (OpenSSL 3.0's `x509 -req` cannot set the start date).
cat > "$TMP/ext.cnf" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
swap_cert() { # swap_cert OUT KEY-STEM CN
  openssl req -new -key "$pki/$2.key.pem" -subj "/C=RU/O=Signflow Test PKI/CN=$3" \
    -utf8 -out "$TMP/$1.csr" 2>/dev/null
  openssl x509 -req -in "$TMP/$1.csr" -CA "$pki/intermediate-ca.pem" \
    -CAkey "$pki/intermediate-ca.key.pem" -set_serial 0x1002 -sha384 -days 3650 \
    -extfile "$TMP/ext.cnf" -out "$1" 2>/dev/null
}
swap_cert swapped-same-key.pem  leaf-rsa     'Signflow Test Signer RSA Reissued'
swap_cert swapped-other-key.pem leaf-russian 'Signflow Test Signer RSA Impostor'
sign swapped-same-key-attached.der  leaf-rsa -nodetach -outform DER -cades -nocerts \
  -certfile swapped-same-key.pem
sign swapped-other-key-attached.der leaf-rsa -nodetach -outform DER -cades -nocerts \
  -certfile swapped-other-key.pem

# --- GOST R 34.10-2012 (OpenSSL GOST engine; self-signed certificates of testdata/gost) ----
gost=../gost
if [[ "$GOST" == yes ]]; then
  openssl cms -engine gost -sign -binary -in content.txt -nodetach -outform DER \
    -signer "$gost/gost2012_256-A.cert.pem" -inkey "$gost/gost2012_256-A.key.pem" \
    -out gost2012-256-attached.der 2>/dev/null
  openssl cms -engine gost -sign -binary -in content.txt -outform DER -cades \
    -signer "$gost/gost2012_512-A.cert.pem" -inkey "$gost/gost2012_512-A.key.pem" \
    -out gost2012-512-detached.der 2>/dev/null
else
  echo "GOST engine not available: gost2012-*.der kept as they are"
fi

openssl version > OPENSSL_VERSION

# --- self-checks --------------------------------------------------------------
fail() { echo "self-check failed: $*" >&2; exit 1; }
# The -stream outputs really are BER: indefinite lengths and a constructed OCTET STRING.
openssl asn1parse -inform DER -in ber-attached.der > "$TMP/ber.txt"
grep -q 'l=inf' "$TMP/ber.txt" || fail "ber-attached.der has no indefinite length"
grep -q 'l=inf  cons: OCTET STRING' "$TMP/ber.txt" \
  || fail "ber-attached.der has no constructed OCTET STRING"
openssl asn1parse -inform DER -in ber-detached.der > "$TMP/ber2.txt"
grep -q 'l=inf' "$TMP/ber2.txt" || fail "ber-detached.der has no indefinite length"
# The DER ones are not.
openssl asn1parse -inform DER -in rsa-attached.der > "$TMP/der.txt"
if grep -q 'l=inf' "$TMP/der.txt"; then
  fail "rsa-attached.der has indefinite lengths"
fi
# Every good sample verifies with OpenSSL at 2027-01-01 (the intermediate is given in -CAfile
# because OpenSSL 3.0's `cms -verify` builds chains from the embedded certificates only).
cat "$pki/root-ca.pem" "$pki/intermediate-ca.pem" > "$TMP/ca.pem"
ossl_verify() { # ossl_verify FILE FORM [detached]
  local extra=()
  [[ "${3:-}" == detached ]] && extra=(-content content.txt)
  openssl cms -verify -binary -inform "$2" -in "$1" "${extra[@]}" -CAfile "$TMP/ca.pem" \
    -attime "$AT_2027" -out /dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; fail "$1"; }
}
for f in rsa-attached rsa-cades-attached rsa-keyid-attached rsa-noattr-attached \
         rsa-pss-attached rsa-pss-maxsalt-attached ecdsa-attached ecdsa-sha512-attached \
         ecdsa-nosmimecap-attached two-signers-attached ber-attached; do
  ossl_verify "$f.der" DER
done
for f in rsa-detached ecdsa-detached ecdsa-cades-detached ecdsa-noattr-detached \
         two-signers-detached ber-detached; do
  ossl_verify "$f.der" DER detached
done
ossl_verify rsa-attached.pem PEM
ossl_verify ecdsa-detached.pem PEM detached
openssl cms -verify -binary -inform DER -in rsa-cades-attached.der -cades -CAfile "$TMP/ca.pem" \
  -attime "$AT_2027" -out /dev/null 2>/dev/null || fail "rsa-cades-attached.der with -cades"
# The swapped certificates are refused: the same-key one by -cades (ESS certHash), the
# other-key one by the signature.
if openssl cms -verify -binary -inform DER -in swapped-same-key-attached.der -cades \
     -CAfile "$TMP/ca.pem" -attime "$AT_2027" -out /dev/null 2>/dev/null; then
  fail "swapped-same-key-attached.der verified with -cades"
fi
if openssl cms -verify -binary -inform DER -in swapped-other-key-attached.der \
     -CAfile "$TMP/ca.pem" -attime "$AT_2027" -out /dev/null 2>/dev/null; then
  fail "swapped-other-key-attached.der verified"
fi
# The expired signer fails at 2027-01-01.
if openssl cms -verify -binary -inform DER -in expired-signer-attached.der \
     -CAfile "$TMP/ca.pem" -attime "$AT_2027" -out /dev/null 2>/dev/null; then
  fail "expired-signer-attached.der verified"
fi
if [[ "$GOST" == yes ]]; then
  openssl cms -engine gost -verify -binary -inform DER -in gost2012-256-attached.der \
    -CAfile "$gost/gost2012_256-A.cert.pem" -out /dev/null 2>/dev/null \
    || fail gost2012-256-attached.der
  openssl cms -engine gost -verify -binary -inform DER -in gost2012-512-detached.der \
    -content content.txt -cades -CAfile "$gost/gost2012_512-A.cert.pem" -out /dev/null \
    2>/dev/null || fail gost2012-512-detached.der
fi
# The attached content is the document.
openssl cms -verify -binary -inform DER -in rsa-attached.der -CAfile "$TMP/ca.pem" \
  -attime "$AT_2027" -out "$TMP/out.txt" 2>/dev/null
cmp -s "$TMP/out.txt" content.txt || fail "rsa-attached.der content differs"

echo "CMS samples written to $(pwd):"
ls -1 ./*.der ./*.pem content.txt | sed 's|^\./|  |'
