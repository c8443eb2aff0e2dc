#!/usr/bin/env bash
# Regenerates the OCSP (RFC 6960) test material in this directory (testdata/ocsp/).
#
#   bash testdata/ocsp/generate.sh
#
# Uses only the `openssl` CLI (written against OpenSSL 3.0.x) and, for the GOST case, the GOST
# engine (Debian: libengine-gost-openssl). `openssl ocsp` answers request files from an index
# (no server). Every run makes NEW keys and responses whose producedAt/thisUpdate are the time
# of the run, so tests read what they expect (thisUpdate, nextUpdate, revocation time, reason,
# serials, cert status) from the saved `openssl ocsp -respin X -text` outputs (*.txt) and take
# validation times relative to them — never "now" and never hard-coded values. The one value
# chosen here is the revocation time of leaf-revoked (REVOKED_AT below), written into the CA
# database so that the OCSP answer and the CRL agree.
#
# Outputs (certificates valid 2026-01-01 .. 2036-01-01):
#   ca.pem / ca.key.pem            the CA (RSA-2048), trust anchor of the tests
#   leaf-good.pem                  serial 0x1001, not revoked
#   leaf-revoked.pem               serial 0x1002, revoked at REVOKED_AT, keyCompromise
#   leaf-unknown.pem               serial 0x1003, issued but missing from the OCSP index
#   responder.pem / .key.pem       delegated responder: EKU OCSPSigning + id-pkix-ocsp-nocheck
#   responder-check.pem / .key.pem delegated responder: EKU OCSPSigning, no nocheck (CRL needed)
#   responder-noeku.pem / .key.pem "responder" without the OCSPSigning EKU (must be refused)
#   other-ca.pem, other-responder.pem  a second CA and an OCSPSigning responder it issued
#                                  (not authorised for ca.pem's certificates)
#   ca.crl.pem                     the CA's CRL (lists leaf-revoked)
#   good-ca.der                    leaf-good: good, signed by the CA itself, no certs, SHA-1 CertID
#   revoked-ca.der                 leaf-revoked: revoked, signed by the CA
#   unknown-ca.der                 leaf-unknown: unknown, signed by the CA
#   good-delegated.der             leaf-good: good, by responder.pem (certs included)
#   good-delegated-check.der       leaf-good: good, by responder-check.pem (certs included)
#   good-noeku.der                 leaf-good: good, by responder-noeku.pem (certs included)
#   good-other.der                 leaf-good: good, by other-responder.pem (certs included)
#   stale-ca.der                   leaf-good: good, CA-signed, nextUpdate one minute after thisUpdate
#   good-sha256.der                leaf-good: good, SHA-256 CertID, responderID byKey, nonce
#   multi-ca.der                   leaf-good and leaf-revoked in one response (SHA-512 CertID)
#   good-for-revoked-ca.der        leaf-revoked: GOOD, CA-signed from an out-of-date database
#                                  (the CRL lists it: the CRL must win)
#   gost-ca.pem, gost-leaf.pem     GOST R 34.10-2012 (256, paramset A) CA and leaf (serial 0x3001)
#   gost-good.der                  gost-leaf: good, signed by the GOST CA, Streebog-256 CertID
#   *.txt                          `openssl ocsp -respin X.der -text` of each response
# The script checks with `openssl ocsp -respin X -CAfile ca.pem -verify_other ca.pem` that
# openssl accepts every response signed by an authorised responder and refuses good-noeku and
# good-other (stale-ca is checked at once, before its nextUpdate).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-ocsp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
echo "== $(openssl version)"
openssl engine gost > /dev/null 2>&1 || { echo "OpenSSL GOST engine not available" >&2; exit 1; }

REVOKED_AT=261201120000Z   # UTCTime written into the CA database for leaf-revoked

rm -f -- ./*.pem ./*.der ./*.txt

cat > "$TMP/engine.cnf" <<'CNF'
openssl_conf = openssl_def
[openssl_def]
engines = engine_section
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
default_algorithms = ALL
CNF

# ca_conf <dir> <cert> <key> <md>: an `openssl ca` configuration for one CA.
ca_conf() {
  mkdir -p "$1/newcerts"
  : > "$1/index.txt"
  echo 'unique_subject = no' > "$1/index.txt.attr"
  echo 01 > "$1/crlnumber"
  cat > "$1/ca.cnf" <<CNF
[req]
distinguished_name = req_dn
prompt             = no
[req_dn]
[ca]
dir             = $1
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
crlnumber       = \$dir/crlnumber
certificate     = $2
private_key     = $3
default_md      = $4
default_crl_days = 3650
policy          = policy_anything
copy_extensions = none
preserve        = yes
[policy_anything]
countryName      = optional
organizationName = optional
commonName       = supplied
[v3_ca]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
[v3_leaf]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[v3_ocsp]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = OCSPSigning
noCheck                = ignored
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[v3_ocsp_check]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = OCSPSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[v3_ocsp_noeku]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
noCheck                = ignored
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
CNF
}

# self_signed <dir> <stem> <CN> [engine args]: a CA certificate with its own database
self_signed() {
  local dir=$1 stem=$2 cn=$3; shift 3
  ca_conf "$dir" "$PWD/$stem.pem" "$PWD/$stem.key.pem" "${MD:-sha256}"
  openssl req "$@" -config "$dir/ca.cnf" -new -key "$stem.key.pem" \
    -subj "/C=RU/O=Signflow OCSP Test/CN=$cn" -out "$TMP/$stem.csr" 2> /dev/null
  echo 00 > "$dir/serial"
  openssl ca "$@" -config "$dir/ca.cnf" -name ca -batch -notext -selfsign \
    -keyfile "$stem.key.pem" -startdate 20260101000000Z -enddate 20360101000000Z \
    -extensions v3_ca -in "$TMP/$stem.csr" -out "$stem.pem" 2> "$TMP/ca.log" \
    || { cat "$TMP/ca.log" >&2; exit 1; }
}

# issue <dir> <serial-hex> <stem> <ext> <CN> [keygen args]: a certificate from that CA
issue() {
  local dir=$1 serial=$2 stem=$3 ext=$4 cn=$5; shift 5
  if [ $# -eq 0 ]; then
    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
      -pkeyopt ec_param_enc:named_curve -out "$stem.key.pem"
  else
    "$@" -out "$stem.key.pem" 2> /dev/null
  fi
  openssl req ${ENGINE:+-engine gost} -config "$dir/ca.cnf" -new -key "$stem.key.pem" \
    -subj "/C=RU/O=Signflow OCSP Test/CN=$cn" -out "$TMP/$stem.csr" 2> /dev/null
  echo "$serial" > "$dir/serial"
  openssl ca ${ENGINE:+-engine gost} -config "$dir/ca.cnf" -name ca -batch -notext \
    -startdate 20260101000000Z -enddate 20360101000000Z -extensions "$ext" \
    -in "$TMP/$stem.csr" -out "$stem.pem" 2> "$TMP/ca.log" || { cat "$TMP/ca.log" >&2; exit 1; }
  echo "   issued $stem.pem serial 0x$serial"
}

openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key.pem
self_signed "$TMP/ca" ca 'Signflow OCSP Test CA'
issue "$TMP/ca" 1001 leaf-good v3_leaf 'Leaf Good'
issue "$TMP/ca" 1002 leaf-revoked v3_leaf 'Leaf Revoked'
issue "$TMP/ca" 2001 responder v3_ocsp 'OCSP Responder'
issue "$TMP/ca" 2002 responder-check v3_ocsp_check 'OCSP Responder Checked'
issue "$TMP/ca" 2003 responder-noeku v3_ocsp_noeku 'OCSP Responder Without EKU'
# leaf-unknown: issued, then dropped from the database the responder answers from.
issue "$TMP/ca" 1003 leaf-unknown v3_leaf 'Leaf Unknown'
grep -v $'\t1003\t' "$TMP/ca/index.txt" > "$TMP/index.tmp" && mv "$TMP/index.tmp" "$TMP/ca/index.txt"
# leaf-revoked: revoked at REVOKED_AT for keyCompromise (the database's own format).
awk -F'\t' -v OFS='\t' -v at="$REVOKED_AT" \
  '$4 == "1002" { $1 = "R"; $3 = at ",keyCompromise" } { print }' \
  "$TMP/ca/index.txt" > "$TMP/index.tmp" && mv "$TMP/index.tmp" "$TMP/ca/index.txt"
openssl ca -config "$TMP/ca/ca.cnf" -name ca -gencrl -out ca.crl.pem 2> "$TMP/ca.log" \
  || { cat "$TMP/ca.log" >&2; exit 1; }
openssl crl -in ca.crl.pem -noout -text | grep -q 'Key Compromise' \
  || { echo "the CRL does not revoke leaf-revoked" >&2; exit 1; }

openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
  -pkeyopt ec_param_enc:named_curve -out other-ca.key.pem
self_signed "$TMP/other" other-ca 'Signflow OCSP Other CA'
issue "$TMP/other" 4001 other-responder v3_ocsp 'Other CA OCSP Responder'

# respond <out> <signer stem> <request args...> -- <response args...>
# Makes a request for the certificates named, answers it from the CA database, saves the
# -text, and checks the answer with openssl itself (against ca.pem, the responder cert given
# through -verify_other where it is not in the response).
respond() {
  local out=$1 signer=$2; shift 2
  local req=() resp=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do req+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  resp=("$@")
  openssl ocsp -issuer ca.pem "${req[@]}" -reqout "$TMP/$out.req" 2> /dev/null
  openssl ocsp -index "${INDEX:-$TMP/ca/index.txt}" -CA ca.pem -rsigner "$signer.pem" \
    -rkey "$signer.key.pem" -reqin "$TMP/$out.req" -respout "$out.der" "${resp[@]}" \
    2> "$TMP/ocsp.log" || { cat "$TMP/ocsp.log" >&2; exit 1; }
  openssl ocsp -respin "$out.der" -resp_text -noverify > "$out.txt" 2> /dev/null
  echo "   $out.der signed by $signer"
}

# openssl_verifies <response> <other certs>: whether `openssl ocsp` accepts the response
# against the CA (its own responder authorisation rules).
openssl_verifies() {
  openssl ocsp -respin "$1" -CAfile ca.pem -verify_other "$2" 2>&1 | grep -q 'Response verify OK'
}

respond good-ca ca -cert leaf-good.pem -- -ndays 30 -resp_no_certs
respond revoked-ca ca -cert leaf-revoked.pem -- -ndays 30 -resp_no_certs
respond unknown-ca ca -cert leaf-unknown.pem -- -ndays 30 -resp_no_certs
respond good-delegated responder -cert leaf-good.pem -- -ndays 30
respond good-delegated-check responder-check -cert leaf-good.pem -- -ndays 30
respond good-noeku responder-noeku -cert leaf-good.pem -- -ndays 30
respond stale-ca ca -cert leaf-good.pem -- -nmin 1 -resp_no_certs
respond good-sha256 ca -sha256 -cert leaf-good.pem -- -ndays 30 -resp_no_certs -resp_key_id
# The CA answering from an out-of-date copy of its database, before leaf-revoked was revoked:
# "good" for a certificate its CRL lists (a CRL entry must outweigh it).
awk -F'\t' -v OFS='\t' '$4 == "1002" { $1 = "V"; $3 = "" } { print }' "$TMP/ca/index.txt" \
  > "$TMP/index-old.txt"
INDEX="$TMP/index-old.txt" respond good-for-revoked-ca ca -cert leaf-revoked.pem -- -ndays 30 \
  -resp_no_certs
grep -q 'Cert Status: good' good-for-revoked-ca.txt
respond multi-ca ca -sha512 -cert leaf-good.pem -cert leaf-revoked.pem -- -ndays 30 -resp_no_certs
# The other CA's responder answers about ca.pem's certificates: its own database is empty but
# openssl looks the serial up in the index given, so answer from ca's.
openssl ocsp -issuer ca.pem -cert leaf-good.pem -reqout "$TMP/other.req" 2> /dev/null
openssl ocsp -index "$TMP/ca/index.txt" -CA ca.pem -rsigner other-responder.pem \
  -rkey other-responder.key.pem -rother other-ca.pem -reqin "$TMP/other.req" \
  -respout good-other.der -ndays 30 2> /dev/null
openssl ocsp -respin good-other.der -resp_text -noverify > good-other.txt 2> /dev/null
echo "   good-other.der signed by other-responder"

for r in good-ca revoked-ca unknown-ca good-delegated good-delegated-check stale-ca good-sha256 \
  multi-ca good-for-revoked-ca; do
  openssl_verifies "$r.der" ca.pem || { echo "openssl does not accept $r.der" >&2; exit 1; }
done
for r in good-noeku good-other; do
  if openssl_verifies "$r.der" ca.pem; then echo "openssl accepts $r.der" >&2; exit 1; fi
done
echo "   openssl ocsp -verify: the authorised responses verify, good-noeku and good-other do not"

grep -q 'Cert Status: good' good-ca.txt
grep -q 'Cert Status: revoked' revoked-ca.txt
grep -q 'Cert Status: unknown' unknown-ca.txt
grep -q 'Revocation Reason: keyCompromise' revoked-ca.txt
grep -q 'Hash Algorithm: sha256' good-sha256.txt
grep -q 'Responder Id: [0-9A-F]' good-sha256.txt

# GOST: a GOST CA and leaf, a Streebog-256 CertID, a GOST R 34.10-2012 signature.
(
  export OPENSSL_CONF="$TMP/engine.cnf"
  openssl genpkey -engine gost -algorithm gost2012_256 -pkeyopt paramset:A \
    -out gost-ca.key.pem 2> /dev/null
  MD=md_gost12_256 self_signed "$TMP/gost" gost-ca 'Signflow OCSP GOST CA' -engine gost
  ENGINE=1 issue "$TMP/gost" 3001 gost-leaf v3_leaf 'GOST Leaf' \
    openssl genpkey -engine gost -algorithm gost2012_256 -pkeyopt paramset:A
  openssl ocsp -issuer gost-ca.pem -md_gost12_256 -cert gost-leaf.pem \
    -reqout "$TMP/gost.req" 2> /dev/null
  openssl ocsp -index "$TMP/gost/index.txt" -CA gost-ca.pem -rsigner gost-ca.pem \
    -rkey gost-ca.key.pem -rmd md_gost12_256 -reqin "$TMP/gost.req" -respout gost-good.der \
    -ndays 30 -resp_no_certs 2> "$TMP/ocsp.log" || { cat "$TMP/ocsp.log" >&2; exit 1; }
  openssl ocsp -respin gost-good.der -resp_text -noverify > gost-good.txt 2> /dev/null
  openssl ocsp -respin gost-good.der -CAfile gost-ca.pem -verify_other gost-ca.pem 2>&1 \
    | grep -q 'Response verify OK' || { echo "openssl does not accept gost-good.der" >&2; exit 1; }
  echo "   gost-good.der signed by gost-ca (verified by openssl)"
)
echo "== done"
