#!/usr/bin/env bash
# Regenerates the RFC 3161 time-stamp test material in this directory (testdata/tsp/).
#
#   bash testdata/tsp/generate.sh
#
# Uses only the `openssl` CLI (written against OpenSSL 3.0.x) and the test PKI in
# ../pki (its intermediate CA issues the TSA certificates). Every run makes NEW keys and
# tokens whose genTime is the time of the run, so tests read expectations (genTime,
# accuracy, serial) from the saved `openssl ts -reply -text` outputs (*.txt), never from
# hard-coded values. The TSA certificates are valid 2026-01-01 .. 2036-01-01 like the test
# PKI's leaves; the intermediate CA's CRL (testdata/pki) does not list them.
#
# Outputs:
#   data.txt                  the stamped data
#   tsa.pem / tsa.key.pem     TSA (P-256), critical extendedKeyUsage timeStamping
#   tsa-noncrit.pem, .key.pem TSA whose timeStamping EKU is NOT critical (RFC 3161 §2.3 breach)
#   tsa-noeku.pem, .key.pem   TSA without extendedKeyUsage
#   tsa.cnf                   the `openssl ts -reply` configuration
#   sha256.tsr / .tst / .txt  reply, token and -text of a SHA-256 imprint, no nonce
#   sha256-nonce.*            SHA-256 imprint with a (random) nonce: read it from the .txt
#   sha512.*                  SHA-512 imprint
#   sha1.*                    SHA-1 imprint
#   gost-tsa.pem, .key.pem    TSA with a GOST R 34.10-2012 256-bit key (paramset A)
#   gost256.*                 Streebog-256 imprint, signed by the GOST TSA
#   noncrit.tst, noeku.tst    tokens signed by the two faulty TSAs (see below)
#   rejection.tsr             a TimeStampResp with status "rejection" (hand-assembled DER)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
PKI=../pki
TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-tsp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
echo "== $(openssl version)"
# Fail early (before wiping anything) if the GOST engine is missing
# (Debian: apt-get install libengine-gost-openssl).
openssl engine gost > /dev/null 2>&1 || { echo "OpenSSL GOST engine not available" >&2; exit 1; }

rm -f -- ./*.pem ./*.tsr ./*.tst ./*.txt ./*.der ./tsa.cnf

printf 'Act of acceptance no. 17, signed 2026-12-07.\n' > data.txt

mkdir -p "$TMP/int/newcerts"
: > "$TMP/int/index.txt"
echo 'unique_subject = no' > "$TMP/int/index.txt.attr"

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
certificate     = $PWD/$PKI/intermediate-ca.pem
private_key     = $PWD/$PKI/intermediate-ca.key.pem
default_md      = sha384
policy          = policy_anything
copy_extensions = none
preserve        = yes
[policy_anything]
countryName      = optional
organizationName = optional
commonName       = supplied
[v3_tsa]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl
[v3_tsa_noncrit]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl
[v3_tsa_noeku]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl
CNF

# tsa <serial-hex> <stem> <ext> <CN>
tsa() {
  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -out "$2.key.pem"
  openssl req -config "$TMP/ca.cnf" -new -key "$2.key.pem" \
    -subj "/C=RU/O=Signflow Test PKI/CN=$4" -out "$TMP/$2.csr"
  echo "$1" > "$TMP/int/serial"
  openssl ca -config "$TMP/ca.cnf" -name int_ca -batch -notext \
    -startdate 20260101000000Z -enddate 20360101000000Z -extensions "$3" \
    -in "$TMP/$2.csr" -out "$2.pem" 2> "$TMP/ca.log" || { cat "$TMP/ca.log" >&2; exit 1; }
  echo "   issued $2.pem serial 0x$1"
}
tsa 2001 tsa         v3_tsa         'Signflow Test TSA'
tsa 2002 tsa-noncrit v3_tsa_noncrit 'Signflow Test TSA Non-critical EKU'
tsa 2003 tsa-noeku   v3_tsa_noeku   'Signflow Test TSA No EKU'
# The GOST TSA: its key from the engine, certified by the (ECDSA) intermediate CA.
openssl genpkey -engine gost -algorithm gost2012_256 -pkeyopt paramset:A \
  -out gost-tsa.key.pem 2> /dev/null
openssl req -engine gost -config "$TMP/ca.cnf" -new -key gost-tsa.key.pem \
  -subj '/C=RU/O=Signflow Test PKI/CN=Signflow Test TSA GOST' -out "$TMP/gost-tsa.csr" 2> /dev/null
echo 2004 > "$TMP/int/serial"
openssl ca -engine gost -config "$TMP/ca.cnf" -name int_ca -batch -notext \
  -startdate 20260101000000Z -enddate 20360101000000Z -extensions v3_tsa \
  -in "$TMP/gost-tsa.csr" -out gost-tsa.pem 2> "$TMP/ca.log" || { cat "$TMP/ca.log" >&2; exit 1; }
echo "   issued gost-tsa.pem serial 0x2004"

# The TSA configuration (kept: it documents what the tokens hold).
cat > tsa.cnf <<'CNF'
# `openssl ts -reply` configuration of the signflow test TSA (testdata/tsp/generate.sh).
[tsa]
default_tsa = tsa_config
[tsa_config]
dir                    = .
serial                 = $dir/serial
signer_cert            = $dir/tsa.pem
certs                  = $dir/../pki/intermediate-ca.pem
signer_key             = $dir/tsa.key.pem
signer_digest          = sha256
default_policy         = 1.2.3.4.1
other_policies         = 1.2.3.4.5.6
digests                = sha1, sha256, sha384, sha512
accuracy               = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering               = yes
tsa_name               = yes
ess_cert_id_chain      = no
ess_cert_id_alg        = sha256

# The GOST TSA (`-section tsa_gost`; needs the GOST engine loaded through OPENSSL_CONF).
[tsa_gost]
dir                    = .
serial                 = $dir/serial
signer_cert            = $dir/gost-tsa.pem
certs                  = $dir/../pki/intermediate-ca.pem
signer_key             = $dir/gost-tsa.key.pem
signer_digest          = md_gost12_256
default_policy         = 1.2.3.4.1
digests                = md_gost12_256, md_gost12_512
accuracy               = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering               = yes
tsa_name               = yes
ess_cert_id_chain      = no
ess_cert_id_alg        = sha256
CNF
echo 01 > "$TMP/serial"

# stamp <stem> <digest> [query args]: query, reply (-text too), token
stamp() {
  local stem="$1" md="$2"; shift 2
  openssl ts -query -data data.txt "-$md" -cert "$@" -out "$TMP/$stem.tsq"
  openssl ts -reply -config tsa.cnf -queryfile "$TMP/$stem.tsq" -out "$stem.tsr" 2> "$TMP/ts.log" \
    || { cat "$TMP/ts.log" >&2; exit 1; }
  openssl ts -reply -in "$stem.tsr" -text > "$stem.txt"
  openssl ts -reply -in "$stem.tsr" -token_out -out "$stem.tst"
  echo "   stamped $stem ($md)"
}
# `openssl ts` reads the serial file relative to the config's dir; keep it out of the tree.
sed -i "s|^serial .*|serial                 = $TMP/serial|" tsa.cnf  # both sections
stamp sha256 sha256 -no_nonce
stamp sha256-nonce sha256
stamp sha512 sha512 -no_nonce
stamp sha1 sha1 -no_nonce

# GOST: `openssl ts` only knows the engine's digests when the engine is loaded by the
# library configuration.
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
(
  export OPENSSL_CONF="$TMP/engine.cnf"
  openssl ts -query -data data.txt -md_gost12_256 -cert -out "$TMP/gost256.tsq" 2> /dev/null
  openssl ts -reply -config tsa.cnf -section tsa_gost -queryfile "$TMP/gost256.tsq" \
    -out gost256.tsr 2> "$TMP/ts.log"
  openssl ts -reply -in gost256.tsr -text > gost256.txt 2> /dev/null
  openssl ts -reply -in gost256.tsr -token_out -out gost256.tst 2> /dev/null
)
grep -q 'Status: Granted' gost256.txt || { cat "$TMP/ts.log" >&2; exit 1; }
echo "   stamped gost256 (md_gost12_256, GOST TSA)"

# A query with a digest the TSA does not accept (SHA3-256 is not in `digests`): OpenSSL
# answers a TimeStampResp with status rejection (2) and failInfo badAlg, and no token.
openssl ts -query -data data.txt -sha3-256 -no_nonce -out "$TMP/rej.tsq"
openssl ts -reply -config tsa.cnf -queryfile "$TMP/rej.tsq" -out rejection.tsr 2> "$TMP/ts.log"
openssl ts -reply -in rejection.tsr -text > rejection.txt
grep -q 'Status: Rejected' rejection.txt || { echo "rejection.tsr is not a rejection" >&2; exit 1; }
sed -i "s|^serial .*|serial                 = \$dir/serial|" tsa.cnf

# `openssl ts -reply` refuses a signer without a critical timeStamping EKU, so the tokens
# of the two faulty TSAs re-sign sha256.tst's TSTInfo with `openssl cms -sign`
# (eContentType id-ct-TSTInfo, -cades for the ESS signing-certificate-v2 attribute).
openssl cms -verify -noverify -inform DER -in sha256.tst -out "$TMP/tstinfo.der" 2> /dev/null
for s in noncrit noeku; do
  openssl cms -sign -binary -nodetach -nosmimecap -cades -md sha256 -outform DER \
    -econtent_type 1.2.840.113549.1.9.16.1.4 -in "$TMP/tstinfo.der" \
    -signer "tsa-$s.pem" -inkey "tsa-$s.key.pem" -certfile "$PKI/intermediate-ca.pem" \
    -out "$s.tst"
  echo "   re-signed $s.tst"
done

# Self-checks: every good token verifies with OpenSSL against the data and the test PKI.
cat "$PKI/intermediate-ca.pem" "$PKI/root-ca.pem" > "$TMP/chain.pem"
for stem in sha256 sha256-nonce sha512 sha1; do
  openssl ts -verify -in "$stem.tsr" -data data.txt -CAfile "$TMP/chain.pem" > /dev/null 2>&1 \
    || { echo "openssl ts -verify failed on $stem.tsr" >&2; exit 1; }
  echo "   ok  openssl ts -verify $stem.tsr"
done
