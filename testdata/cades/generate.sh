#!/usr/bin/env bash
# Regenerates the CAdES-T test material in this directory (testdata/cades/).
#
#   bash testdata/cades/generate.sh
#
# Uses only the `openssl` CLI (written against OpenSSL 3.0.x), the test PKI in ../pki (its
# intermediate CA issues the signers) and the test TSA in ../tsp. Dates are relative to the
# time of the run: every signer certificate starts 30 days before it, and the tests read each
# token's genTime from the saved `openssl ts -reply -text` output (*.txt) and validate a year
# after it, so nothing here rots.
#
# For each signer S below: S.pem / S.key.pem (P-256), S.p7s (a detached CAdES-BES signature
# of data.txt by `openssl cms -sign -cades`: content-type, message-digest, signing-time,
# signing-certificate-v2), S.sigvalue (the SignerInfo's signature value, cut out of S.p7s),
# S.tst (an RFC 3161 token of the test TSA over S.sigvalue: the signature time-stamp) and
# S.txt (its -text). The tests attach S.tst as the unsigned signatureTimeStampToken with
# signflow and verify the result.
#
#   short          valid until 30 days after the run: expired a year later
#   revoked-later  revoked (keyCompromise) 30 days after the run: after its time-stamp
#   revoked-before revoked (keyCompromise) a day before the run: before its time-stamp
#   wrong-imprint  valid; its token stamps data.txt instead of the signature value
#
# intermediate-ca.crl.pem: the intermediate CA's CRL listing the two revocations (made with
# the CA database of this run, so it knows the TSA is not revoked either: ../tsp's TSA has
# serial 0x2001, which is not in it).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
PKI=../pki
TSP=../tsp
TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-cades.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
echo "== $(openssl version)"

rm -f -- ./*.pem ./*.p7s ./*.sigvalue ./*.tst ./*.txt
printf 'Act of acceptance no. 17, signed and time-stamped.\n' > data.txt

mkdir -p "$TMP/int/newcerts"
: > "$TMP/int/index.txt"
echo 'unique_subject = no' > "$TMP/int/index.txt.attr"
echo 1000 > "$TMP/int/crlnumber"
cat > "$TMP/ca.cnf" <<CNF
[req]
distinguished_name = req_dn
prompt             = no
[req_dn]
[int_ca]
dir             = $TMP/int
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
crlnumber       = \$dir/crlnumber
certificate     = $PWD/$PKI/intermediate-ca.pem
private_key     = $PWD/$PKI/intermediate-ca.key.pem
default_md      = sha384
default_crl_days = 3650
policy          = policy_anything
copy_extensions = none
preserve        = yes
[policy_anything]
countryName      = optional
organizationName = optional
commonName       = supplied
[v3_signer]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl
[crl_ext]
authorityKeyIdentifier = keyid:always
CNF

utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
START=$(utc '-30 days')

# signer <serial-hex> <stem> <enddate>
signer() {
  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -out "$2.key.pem"
  openssl req -config "$TMP/ca.cnf" -new -key "$2.key.pem" \
    -subj "/C=RU/O=Signflow Test PKI/CN=Signflow CAdES $2" -out "$TMP/$2.csr"
  echo "$1" > "$TMP/int/serial"
  openssl ca -config "$TMP/ca.cnf" -name int_ca -batch -notext \
    -startdate "$START" -enddate "$3" -extensions v3_signer \
    -in "$TMP/$2.csr" -out "$2.pem" 2> "$TMP/ca.log" || { cat "$TMP/ca.log" >&2; exit 1; }
  echo "   issued $2.pem serial 0x$1"
}
signer 3001 short          "$(utc '+30 days')"
signer 3002 revoked-later  20360101000000Z
signer 3003 revoked-before 20360101000000Z
signer 3004 wrong-imprint  20360101000000Z

# The TSA configuration: ../tsp's TSA, its serial file kept out of the tree.
sed -e "s|^dir .*|dir                    = $PWD/$TSP|" \
    -e "s|^serial .*|serial                 = $TMP/tsa-serial|" "$TSP/tsa.cnf" > "$TMP/tsa.cnf"
echo 01 > "$TMP/tsa-serial"

for s in short revoked-later revoked-before wrong-imprint; do
  openssl cms -sign -cades -binary -md sha256 -outform DER -in data.txt \
    -signer "$s.pem" -inkey "$s.key.pem" -certfile "$PKI/intermediate-ca.pem" -out "$s.p7s"
  # The signature value is the last OCTET STRING of the (only) SignerInfo, which has no
  # unsigned attributes yet: cut its contents out at the offset asn1parse gives.
  line=$(openssl asn1parse -inform DER -in "$s.p7s" | grep 'prim: OCTET STRING' | tail -1)
  off=$(echo "$line" | sed -E 's/^ *([0-9]+):.*/\1/')
  hl=$(echo "$line" | sed -E 's/.*hl= *([0-9]+).*/\1/')
  len=$(echo "$line" | sed -E 's/.*l= *([0-9]+) prim.*/\1/')
  dd if="$s.p7s" of="$s.sigvalue" bs=1 skip=$((off + hl)) count="$len" status=none
  stamped="$s.sigvalue"
  [ "$s" = wrong-imprint ] && stamped=data.txt
  openssl ts -query -data "$stamped" -sha256 -cert -no_nonce -out "$TMP/$s.tsq"
  openssl ts -reply -config "$TMP/tsa.cnf" -queryfile "$TMP/$s.tsq" -out "$TMP/$s.tsr" \
    2> "$TMP/ts.log" || { cat "$TMP/ts.log" >&2; exit 1; }
  openssl ts -reply -in "$TMP/$s.tsr" -text > "$s.txt"
  openssl ts -reply -in "$TMP/$s.tsr" -token_out -out "$s.tst"
  echo "   signed and stamped $s"
done

# Revocations at chosen times: `openssl ca -revoke` takes the time of the run, so the index
# entries are written with the dates the tests need (index.txt: R, expiry, revocation date
# and reason, serial, file, subject).
rev() { date -u -d "$1" +%y%m%d%H%M%SZ; }
awk -v later="$(rev '+30 days'),keyCompromise" -v before="$(rev '-1 day'),keyCompromise" \
  'BEGIN { FS = OFS = "\t" }
   $4 == "3002" { $1 = "R"; $3 = later }
   $4 == "3003" { $1 = "R"; $3 = before }
   { print }' "$TMP/int/index.txt" > "$TMP/index.new"
mv "$TMP/index.new" "$TMP/int/index.txt"
openssl ca -config "$TMP/ca.cnf" -name int_ca -gencrl -crlexts crl_ext \
  -out intermediate-ca.crl.pem 2> "$TMP/ca.log" || { cat "$TMP/ca.log" >&2; exit 1; }
openssl crl -in intermediate-ca.crl.pem -noout -text > intermediate-ca.crl.txt
echo "   intermediate-ca.crl.pem: $(grep -c 'Serial Number' intermediate-ca.crl.txt) revoked"

# Self-checks: OpenSSL verifies every signature and every token over what it stamps.
cat "$PKI/intermediate-ca.pem" "$PKI/root-ca.pem" > "$TMP/chain.pem"
for s in short revoked-later revoked-before wrong-imprint; do
  openssl cms -verify -binary -inform DER -in "$s.p7s" -content data.txt \
    -CAfile "$TMP/chain.pem" -purpose any > /dev/null 2>&1 \
    || { echo "openssl cms -verify failed on $s.p7s" >&2; exit 1; }
  stamped="$s.sigvalue"
  [ "$s" = wrong-imprint ] && stamped=data.txt
  openssl ts -verify -in "$s.tst" -token_in -data "$stamped" -CAfile "$TMP/chain.pem" \
    > /dev/null 2>&1 || { echo "openssl ts -verify failed on $s.tst" >&2; exit 1; }
  echo "   ok  openssl cms -verify $s.p7s, ts -verify $s.tst"
done
