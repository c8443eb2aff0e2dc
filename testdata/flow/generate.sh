#!/usr/bin/env bash
# Signer certificates of the document-flow tests: one per organisation, issued by the committed
# test intermediate (../pki/intermediate-ca.{pem,key.pem}) so that ../pki's trust anchor and
# CRLs cover them. ../pki is not touched (its files are referenced by other committed artifacts).
#
#   counterparty.pem / .key.pem / .p12  ООО "Василёк", INNLE 5001007329, OGRN 1045000012342,
#                                       ECDSA P-256, serial 0x2001, 2026-01-01 – 2036-01-01
#
# The sender organisation of the tests is ../pki/leaf-russian.pem (ООО "Ромашка",
# INNLE 7707083893, OGRN 1027700132195). Re-running makes a new key and certificate.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PKI=../pki
PASSWORD="$(cat "$PKI/PASSWORD")"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-flow.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

INNLE='5001007329'
OGRN='1045000012342'

mkdir -p "$TMP/newcerts"
: > "$TMP/index.txt"
echo 2001 > "$TMP/serial"
cat > "$TMP/openssl.cnf" <<EOF
oid_section = signflow_oids
[signflow_oids]
INNLE = 1.2.643.100.4
[req]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no
[req_dn]
[ca]
default_ca = int_ca
[int_ca]
dir             = $TMP
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
serial          = \$dir/serial
certificate     = $PWD/$PKI/intermediate-ca.pem
private_key     = $PWD/$PKI/intermediate-ca.key.pem
default_md      = sha384
policy          = policy_anything
unique_subject  = no
copy_extensions = none
preserve        = yes
string_mask     = utf8only
email_in_dn     = no
[policy_anything]
countryName            = optional
localityName           = optional
organizationName       = optional
commonName             = supplied
surname                = optional
givenName              = optional
[v3_leaf_russian]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl
certificatePolicies    = 1.2.643.100.113.1
EOF
export OPENSSL_CONF="$TMP/openssl.cnf"

openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
  -pkeyopt ec_param_enc:named_curve -out counterparty.key.pem
openssl req -new -utf8 -key counterparty.key.pem -out "$TMP/cp.csr" \
  -subj "/C=RU/O=ООО \"Василёк\"/CN=Петрова Анна Сергеевна/SN=Петрова/GN=Анна Сергеевна/L=Казань/OGRN=$OGRN/INNLE=$INNLE"
openssl ca -batch -notext -utf8 -preserveDN -startdate 20260101000000Z -enddate 20360101000000Z \
  -extensions v3_leaf_russian -in "$TMP/cp.csr" -out counterparty.pem 2> "$TMP/ca.log" \
  || { cat "$TMP/ca.log" >&2; exit 1; }
openssl pkcs12 -export -inkey counterparty.key.pem -in counterparty.pem -certfile "$PKI/chain.pem" \
  -name counterparty -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -iter 2048 \
  -passout "pass:$PASSWORD" -out counterparty.p12
openssl verify -attime 1798761600 -CAfile "$PKI/root-ca.pem" -untrusted "$PKI/intermediate-ca.pem" \
  -crl_check -CRLfile "$PKI/intermediate-ca.crl.pem" counterparty.pem
chmod 644 counterparty.*
