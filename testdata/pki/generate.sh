#!/usr/bin/env bash
# Regenerates the signflow test PKI in this directory (testdata/pki/).
#
#   bash testdata/pki/generate.sh
#
# Uses only the `openssl` CLI (written against OpenSSL 3.0.x; the legacy
# provider must be available for the -legacy PKCS#12 files) plus coreutils.
# Every run wipes the previous outputs and creates NEW keys, so tests must
# derive expectations from the committed files, never hard-code key material.
# The `openssl ca` databases, CSRs and configs live in a temporary directory
# that is removed on exit; only the artefacts listed in testdata/README.md are
# written here. Exits non-zero if generation or any self-check fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

PASSWORD='signflow-test'
# 2027-01-01T00:00:00Z as seconds since the epoch: the reference time for the
# validity checks below (all "valid" leaves are valid then, the expired and
# not-yet-valid ones are not).
AT_2027=1798761600

TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-pki.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

echo "== $(openssl version)"
# Fail early (before wiping anything) if the legacy provider is missing.
openssl list -cipher-algorithms -provider legacy | grep -q 'RC2-40-CBC' \
  || { echo "OpenSSL legacy provider (RC2-40) not available" >&2; exit 1; }

# --- Russian qualified-certificate identifiers: verify check digits --------
INN='771234567859'        # individual INN (12 digits), check digits 5 and 9
OGRN='1027700132195'      # OGRN (13 digits)
SNILS='11223344595'       # SNILS (11 digits, 112-233-445 95)
INNLE='7707083893'        # legal-entity INN (10 digits)

digit() { echo "${1:$2:1}"; }
weighted() { # weighted <number> <weights...>: sum of digit[i]*weight[i]
  local s="$1" sum=0 i=0; shift
  for w in "$@"; do sum=$(( sum + $(digit "$s" "$i") * w )); i=$((i + 1)); done
  echo "$sum"
}
check_inn12() {
  local c1 c2
  c1=$(( $(weighted "$1" 7 2 4 10 3 5 9 4 6 8) % 11 % 10 ))
  c2=$(( $(weighted "$1" 3 7 2 4 10 3 5 9 4 6 8) % 11 % 10 ))
  [[ ${#1} -eq 12 && $c1 -eq $(digit "$1" 10) && $c2 -eq $(digit "$1" 11) ]]
}
check_inn10() {
  local c; c=$(( $(weighted "$1" 2 4 10 3 5 9 4 6 8) % 11 % 10 ))
  [[ ${#1} -eq 10 && $c -eq $(digit "$1" 9) ]]
}
check_ogrn() {
  [[ ${#1} -eq 13 ]] && (( (10#${1:0:12} % 11) % 10 == $(digit "$1" 12) ))
}
check_snils() {
  local s; s=$(weighted "$1" 9 8 7 6 5 4 3 2 1)
  while (( s > 101 )); do s=$(( s % 101 )); done
  (( s == 100 || s == 101 )) && s=0
  [[ ${#1} -eq 11 ]] && (( s == 10#${1:9:2} ))
}
check_inn12 "$INN"     || { echo "bad INN $INN" >&2; exit 1; }
check_ogrn "$OGRN"     || { echo "bad OGRN $OGRN" >&2; exit 1; }
check_snils "$SNILS"   || { echo "bad SNILS $SNILS" >&2; exit 1; }
check_inn10 "$INNLE"   || { echo "bad INNLE $INNLE" >&2; exit 1; }
echo "== check digits OK: INN=$INN OGRN=$OGRN SNILS=$SNILS INNLE=$INNLE"

# --- wipe previous outputs ---------------------------------------------------
rm -f -- ./*.pem ./*.der ./*.p12 ./PASSWORD

# --- openssl configuration ---------------------------------------------------
mkdir -p "$TMP/root" "$TMP/int" "$TMP/csr"
for d in root int; do
  : > "$TMP/$d/index.txt"
  echo 'unique_subject = no' > "$TMP/$d/index.txt.attr"
  echo 01 > "$TMP/$d/crlnumber"
  mkdir -p "$TMP/$d/newcerts"
done

CNF="$TMP/openssl.cnf"
cat > "$CNF" <<EOF
# INN (1.2.643.3.131.1.1), OGRN (1.2.643.100.1) and SNILS (1.2.643.100.3) are
# built into OpenSSL 3.0 under exactly these names (and OpenSSL forces them to
# NumericString); re-declaring them here fails with "OBJ_create: oid exists".
# Only INNLE has to be declared.
oid_section = signflow_oids

[signflow_oids]
INNLE = 1.2.643.100.4

[req]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
prompt             = no

[req_dn]
# unused: subjects are given with -subj

[ca]
default_ca = root_ca

[root_ca]
dir             = $TMP/root
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
crlnumber       = \$dir/crlnumber
certificate     = $PWD/root-ca.pem
private_key     = $PWD/root-ca.key.pem
default_md      = sha256
default_crl_days = 3650
policy          = policy_anything
unique_subject  = no
copy_extensions = none
preserve        = yes
string_mask     = utf8only
email_in_dn     = no
crl_extensions  = crl_ext

[int_ca]
dir             = $TMP/int
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
crlnumber       = \$dir/crlnumber
certificate     = $PWD/intermediate-ca.pem
private_key     = $PWD/intermediate-ca.key.pem
default_md      = sha384
default_crl_days = 3650
policy          = policy_anything
unique_subject  = no
copy_extensions = none
preserve        = yes
string_mask     = utf8only
email_in_dn     = no
crl_extensions  = crl_ext

[policy_anything]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied
surname                = optional
givenName              = optional
emailAddress           = optional

[v3_root]
basicConstraints     = critical, CA:TRUE
keyUsage             = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_intermediate]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/root.crl

[v3_leaf]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl

[v3_leaf_russian]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl
# 1.2.643.100.113.1 = KC1 class of the Russian qualified-signature tools
certificatePolicies    = 1.2.643.100.113.1

[crl_ext]
authorityKeyIdentifier = keyid:always
EOF
export OPENSSL_CONF="$CNF"

# --- helpers -------------------------------------------------------------------
genkey() { # genkey <out> <type>: unencrypted PKCS#8 PEM
  case "$2" in
    rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
    rsa3072) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$1" ;;
    p256)    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                             -pkeyopt ec_param_enc:named_curve -out "$1" ;;
    p384)    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
                             -pkeyopt ec_param_enc:named_curve -out "$1" ;;
    ed25519) openssl genpkey -quiet -algorithm ED25519 -out "$1" ;;
    *) echo "unknown key type $2" >&2; exit 1 ;;
  esac
}

# issue <ca-section> <serial-hex> <stem> <keytype> <subject> <start> <end> <ext> [extra ca args]
issue() {
  local ca="$1" serial="$2" stem="$3" ktype="$4" subj="$5" start="$6" end="$7" ext="$8"
  shift 8
  local dir="$TMP/root"; [[ "$ca" == int_ca ]] && dir="$TMP/int"
  genkey "$stem.key.pem" "$ktype"
  openssl req -new -utf8 -key "$stem.key.pem" -subj "$subj" -out "$TMP/csr/$stem.csr"
  echo "$serial" > "$dir/serial"
  openssl ca -name "$ca" -batch -notext -utf8 -preserveDN \
    -startdate "$start" -enddate "$end" -extensions "$ext" \
    -in "$TMP/csr/$stem.csr" -out "$stem.pem" "$@" 2> "$TMP/ca.log" \
    || { cat "$TMP/ca.log" >&2; exit 1; }
  echo "   issued $stem.pem  serial 0x$serial  ($ktype)"
}

DN_BASE='/C=RU/O=Signflow Test PKI'
LEAF_START=20260101000000Z
LEAF_END=20360101000000Z

# --- CAs -------------------------------------------------------------------------
echo "== generating CAs"
issue root_ca 1000 root-ca rsa3072 "$DN_BASE/CN=Signflow Test Root CA" \
  20250101000000Z 20500101000000Z v3_root -selfsign -keyfile root-ca.key.pem -md sha256
issue root_ca 1001 intermediate-ca p384 "$DN_BASE/CN=Signflow Test Intermediate CA" \
  20250101000000Z 20450101000000Z v3_intermediate -md sha256

# --- leaves (all signed by the intermediate, ecdsa-with-SHA384) ----------------------
echo "== generating leaves"
leaf() { # leaf <serial> <stem> <keytype> <subject> [start end [ext]]
  issue int_ca "$1" "$2" "$3" "$4" "${5:-$LEAF_START}" "${6:-$LEAF_END}" "${7:-v3_leaf}" -md sha384
}
leaf 1002 leaf-rsa           rsa2048 "$DN_BASE/CN=Signflow Test Signer RSA"
leaf 1003 leaf-ecdsa-p256    p256    "$DN_BASE/CN=Signflow Test Signer P-256"
leaf 1004 leaf-ed25519       ed25519 "$DN_BASE/CN=Signflow Test Signer Ed25519"
leaf 1005 leaf-expired       p256    "$DN_BASE/CN=Signflow Test Signer Expired" \
  20200101000000Z 20210101000000Z
leaf 1006 leaf-not-yet-valid p256    "$DN_BASE/CN=Signflow Test Signer Not Yet Valid" \
  20400101000000Z 20410101000000Z
leaf 1007 leaf-revoked       p256    "$DN_BASE/CN=Signflow Test Signer Revoked"
leaf 1008 leaf-russian       rsa2048 \
  "/C=RU/O=ООО \"Ромашка\"/CN=Иванов Иван Иванович/SN=Иванов/GN=Иван Иванович/L=Москва/INN=$INN/OGRN=$OGRN/SNILS=$SNILS/INNLE=$INNLE" \
  "$LEAF_START" "$LEAF_END" v3_leaf_russian

# --- revocation and CRLs ------------------------------------------------------------
echo "== generating CRLs"
openssl ca -name int_ca -batch -revoke leaf-revoked.pem -crl_reason keyCompromise 2> "$TMP/ca.log" \
  || { cat "$TMP/ca.log" >&2; exit 1; }
openssl ca -name root_ca -batch -gencrl -crldays 3650 -md sha256 -out root-ca.crl.pem 2> "$TMP/ca.log" \
  || { cat "$TMP/ca.log" >&2; exit 1; }
openssl ca -name int_ca -batch -gencrl -crldays 3650 -md sha384 -out intermediate-ca.crl.pem 2> "$TMP/ca.log" \
  || { cat "$TMP/ca.log" >&2; exit 1; }
openssl crl -in root-ca.crl.pem -outform DER -out root-ca.crl.der
openssl crl -in intermediate-ca.crl.pem -outform DER -out intermediate-ca.crl.der

# --- chain and DER copies -------------------------------------------------------------
cat intermediate-ca.pem root-ca.pem > chain.pem
openssl x509 -in leaf-rsa.pem -outform DER -out leaf-rsa.der
openssl x509 -in root-ca.pem -outform DER -out root-ca.der

# --- PKCS#12 ------------------------------------------------------------------------------
echo "== generating PKCS#12"
printf '%s' "$PASSWORD" > PASSWORD
p12_modern() { # p12_modern <stem> <out> <password>
  openssl pkcs12 -export -inkey "$1.key.pem" -in "$1.pem" -certfile chain.pem -name "$1" \
    -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -iter 2048 \
    -passout "pass:$3" -out "$2"
}
p12_legacy() { # p12_legacy <stem> <out> <password>
  openssl pkcs12 -export -legacy -inkey "$1.key.pem" -in "$1.pem" -certfile chain.pem -name "$1" \
    -passout "pass:$3" -out "$2"
}
for s in leaf-rsa leaf-ecdsa-p256 leaf-ed25519 leaf-russian; do p12_modern "$s" "$s.p12" "$PASSWORD"; done
for s in leaf-rsa leaf-ecdsa-p256; do p12_legacy "$s" "$s-legacy.p12" "$PASSWORD"; done
p12_modern leaf-rsa leaf-rsa-empty-password.p12 ''
# Test material only: make keys/PKCS#12 world-readable like every other file.
chmod 644 -- ./*.pem ./*.der ./*.p12 PASSWORD

# =========================================================================================
# Self-checks
# =========================================================================================
echo "== checks"
FAILED=0
ok()   { echo "   ok    $*"; }
fail() { echo "   FAIL  $*"; FAILED=1; }

# Keys are unencrypted PKCS#8.
for k in *.key.pem; do
  if [[ "$(head -n1 "$k")" == '-----BEGIN PRIVATE KEY-----' ]]; then :; else fail "$k is not unencrypted PKCS#8"; fi
done
ok "all *.key.pem are unencrypted PKCS#8"

VERIFY=(openssl verify -CAfile root-ca.pem -untrusted intermediate-ca.pem)

# verify_expect <stem> <expected error substring or ""> <extra verify args...>
verify_expect() {
  local stem="$1" want="$2" out rc=0; shift 2
  out=$("${VERIFY[@]}" "$@" "$stem.pem" 2>&1) || rc=$?
  if [[ -z "$want" ]]; then
    if (( rc == 0 )); then ok "verify $stem $*"; else fail "verify $stem $*: $out"; fi
  else
    if (( rc != 0 )) && grep -q -- "$want" <<<"$out"; then ok "verify $stem $* -> rejected ($want)"
    else fail "verify $stem $*: expected '$want', got rc=$rc: $out"; fi
  fi
}
verify_expect intermediate-ca '' -attime "$AT_2027"
for s in leaf-rsa leaf-ecdsa-p256 leaf-ed25519 leaf-revoked leaf-russian; do
  verify_expect "$s" '' -attime "$AT_2027"
done
verify_expect leaf-expired       'certificate has expired'      -attime "$AT_2027"
verify_expect leaf-not-yet-valid 'certificate is not yet valid' -attime "$AT_2027"
# CRL checks run at the current time: the CRLs' thisUpdate is the generation time.
for s in leaf-rsa leaf-ecdsa-p256 leaf-ed25519 leaf-russian; do
  verify_expect "$s" '' -crl_check_all -CRLfile root-ca.crl.pem -CRLfile intermediate-ca.crl.pem
done
verify_expect leaf-revoked 'certificate revoked' -crl_check -CRLfile intermediate-ca.crl.pem
verify_expect leaf-revoked 'certificate revoked' -crl_check_all -CRLfile root-ca.crl.pem -CRLfile intermediate-ca.crl.pem

# Revocation reason in the CRL.
if openssl crl -in intermediate-ca.crl.pem -noout -text | grep -q 'Key Compromise' \
   && openssl crl -in intermediate-ca.crl.pem -noout -text | grep -qi "Serial Number: 1007"; then
  ok "intermediate CRL revokes 0x1007 with keyCompromise"
else fail "intermediate CRL does not revoke 0x1007 with keyCompromise"; fi
if openssl crl -in root-ca.crl.pem -noout -text | grep -q 'No Revoked Certificates'; then
  ok "root CRL revokes nothing"
else fail "root CRL is not empty"; fi
for c in root-ca intermediate-ca; do
  t=$(openssl crl -in "$c.crl.pem" -noout -text)
  if grep -q 'X509v3 CRL Number' <<<"$t" && grep -q 'X509v3 Authority Key Identifier' <<<"$t"; then
    ok "$c.crl.pem has crlNumber and authorityKeyIdentifier"
  else fail "$c.crl.pem lacks crlNumber or authorityKeyIdentifier"; fi
done

# Russian subject attributes.
# `openssl x509` does not load oid_section, so INNLE is printed as its OID with
# the DER of the value (0C = UTF8String, 0A = length 10, then the ASCII hex).
innle_hex='0C0A'; for ((i = 0; i < ${#INNLE}; i++)); do innle_hex+=$(printf '%02X' "'${INNLE:i:1}"); done
RU_WANT="C=RU,O=ООО \\\"Ромашка\\\",CN=Иванов Иван Иванович,SN=Иванов,GN=Иван Иванович,L=Москва,INN=$INN,OGRN=$OGRN,SNILS=$SNILS,1.2.643.100.4=#$innle_hex"
RU_SUBJ=$(openssl x509 -in leaf-russian.pem -noout -subject -nameopt RFC2253,-dn_rev,-esc_msb)
if [[ "$RU_SUBJ" == "subject=$RU_WANT" ]]; then ok "leaf-russian subject: $RU_SUBJ"
else fail "leaf-russian subject: got '$RU_SUBJ', want 'subject=$RU_WANT'"; fi
ru_asn1=$(openssl asn1parse -in leaf-russian.pem)
for w in 'NUMERICSTRING     :'"$INN" 'NUMERICSTRING     :'"$OGRN" 'NUMERICSTRING     :'"$SNILS" \
         'UTF8STRING        :'"$INNLE" 'UTF8STRING        :Иванов Иван Иванович'; do
  grep -qF -- "$w" <<<"$ru_asn1" || fail "leaf-russian: expected '$w' in asn1parse output"
done
if openssl x509 -in leaf-russian.pem -noout -ext certificatePolicies | grep -q 'KC1'; then
  ok "leaf-russian: INN/OGRN/SNILS NumericString, INNLE UTF8String, policy KC1"
else fail "leaf-russian: certificatePolicies KC1 missing"; fi

# PKCS#12: MAC/PBE algorithms, contents, friendly name.
# p12_check <file> <password> <friendly name> <legacy: 0|1>
p12_check() {
  local f="$1" pass="$2" name="$3" legacy="$4" info dump
  local -a lg=(); (( legacy )) && lg=(-legacy)
  if ! info=$(openssl pkcs12 "${lg[@]}" -in "$f" -info -noout -passin "pass:$pass" 2>&1); then
    fail "$f: pkcs12 -info failed: $info"; return
  fi
  local -a want
  if (( legacy )); then
    want=('MAC: sha1' 'pbeWithSHA1And40BitRC2-CBC' 'pbeWithSHA1And3-KeyTripleDES-CBC')
  else
    want=('MAC: sha256' 'PBES2, PBKDF2, AES-256-CBC' 'PRF hmacWithSHA256')
  fi
  for w in "${want[@]}"; do
    grep -qF -- "$w" <<<"$info" || { fail "$f: expected '$w' in: $info"; return; }
  done
  dump=$(openssl pkcs12 "${lg[@]}" -in "$f" -nodes -passin "pass:$pass" 2>&1) \
    || { fail "$f: cannot dump: $dump"; return; }
  local ncert nkey
  ncert=$(grep -c -- '-----BEGIN CERTIFICATE-----' <<<"$dump" || true)
  nkey=$(grep -c -- '-----BEGIN PRIVATE KEY-----' <<<"$dump" || true)
  if (( ncert != 3 || nkey != 1 )) || ! grep -qF "friendlyName: $name" <<<"$dump"; then
    fail "$f: expected 3 certs, 1 key, friendlyName $name (got $ncert certs, $nkey keys)"; return
  fi
  ok "$f: $(grep -E '^(MAC|Shrouded Keybag|PKCS7 Encrypted data)' <<<"$info" | sed 's/, Iteration/ iter/' | paste -sd';' -)"
}
for s in leaf-rsa leaf-ecdsa-p256 leaf-ed25519 leaf-russian; do p12_check "$s.p12" "$PASSWORD" "$s" 0; done
for s in leaf-rsa leaf-ecdsa-p256; do p12_check "$s-legacy.p12" "$PASSWORD" "$s" 1; done
p12_check leaf-rsa-empty-password.p12 '' leaf-rsa 0

# --- summary -------------------------------------------------------------------------------
echo "== certificates"
for c in root-ca intermediate-ca leaf-rsa leaf-ecdsa-p256 leaf-ed25519 leaf-expired \
         leaf-not-yet-valid leaf-revoked leaf-russian; do
  printf '   %-20s serial=%s  %s .. %s  sig=%s\n' "$c" \
    "$(openssl x509 -in "$c.pem" -noout -serial | cut -d= -f2)" \
    "$(openssl x509 -in "$c.pem" -noout -startdate | cut -d= -f2)" \
    "$(openssl x509 -in "$c.pem" -noout -enddate | cut -d= -f2)" \
    "$(openssl x509 -in "$c.pem" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -n1)"
done
echo "== files: $(ls | grep -v '^generate.sh$' | paste -sd' ' -)"

if (( FAILED )); then echo "== SOME CHECKS FAILED" >&2; exit 1; fi
echo "== all checks passed"
