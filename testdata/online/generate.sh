#!/bin/sh
# Test material for tests/online.rs (`--online`: AIA caIssuers, CDP, AIA OCSP fetching).
# Every URL names the host pki.signflow.test (RFC 2606: never resolves); the tests reach it
# through an HTTP proxy they run on 127.0.0.1, so the certificates need no fixed port.
#
#   root (anchor) -> int (CDP root.crl) -> leaf-good    (AIA caIssuers int.crt, CDP int.crl)
#                                       -> leaf-revoked (same; revoked in int.crl)
#                                       -> leaf-ocsp    (AIA caIssuers int.p7c, AIA ocsp)
# ocsp-good.der: int's answer (CA-signed) about leaf-ocsp, to ocsp-req.der (SHA-1 CertID, no
# nonce: what `openssl ocsp` asks; the request builder must produce the same bytes).
# signed-good.p7s, signed-revoked.p7s: content.txt signed (attached, DER) by leaf-good and
# leaf-revoked with `openssl cms -sign`, only the signer's certificate embedded: what
# `verify cms --online` must complete from the network.
# Run from this directory: sh generate.sh
set -eu
U=http://pki.signflow.test
rm -rf work && mkdir work
for ca in root int; do
  mkdir -p work/$ca && : > work/$ca/index.txt && echo 1000 > work/$ca/serial && echo 1000 > work/$ca/crlnumber
  cat > work/$ca.cnf <<CNF
[ca]
default_ca = d
[d]
dir = work/$ca
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir
default_md = sha256
default_days = 3650
default_crl_days = 3650
policy = p
unique_subject = no
copy_extensions = none
[p]
commonName = supplied
[int]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:$U/root.crl
[leaf_crl]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:$U/int.crt
crlDistributionPoints = URI:$U/int.crl
[leaf_ocsp]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = caIssuers;URI:$U/int.p7c,OCSP;URI:$U/ocsp
[crl]
authorityKeyIdentifier = keyid
CNF
done
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
key root.key; key int.key
openssl req -new -x509 -key root.key -subj "/CN=signflow online root" -days 3650 -sha256 \
  -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out root.pem
openssl req -new -key int.key -subj "/CN=signflow online intermediate" -out work/int.csr
openssl ca -batch -notext -config work/root.cnf -cert root.pem -keyfile root.key \
  -extensions int -in work/int.csr -out int.pem
for leaf in good revoked ocsp; do
  key work/leaf-$leaf.key
  openssl req -new -key work/leaf-$leaf.key -subj "/CN=signflow online leaf $leaf" -out work/$leaf.csr
  ext=leaf_crl; [ $leaf = ocsp ] && ext=leaf_ocsp
  openssl ca -batch -notext -config work/int.cnf -cert int.pem -keyfile int.key \
    -extensions $ext -in work/$leaf.csr -out leaf-$leaf.pem
done
openssl ca -config work/int.cnf -cert int.pem -keyfile int.key -revoke leaf-revoked.pem \
  -crl_reason keyCompromise
openssl ca -gencrl -config work/int.cnf -cert int.pem -keyfile int.key -crlexts crl -out work/int.crl.pem
openssl ca -gencrl -config work/root.cnf -cert root.pem -keyfile root.key -crlexts crl -out work/root.crl.pem
openssl crl -in work/int.crl.pem -outform DER -out int.crl
openssl crl -in work/root.crl.pem -outform DER -out root.crl
openssl x509 -in int.pem -outform DER -out int.crt
openssl crl2pkcs7 -nocrl -certfile int.pem -outform DER -out int.p7c
openssl ocsp -issuer int.pem -cert leaf-ocsp.pem -no_nonce -reqout ocsp-req.der
openssl ocsp -index work/int/index.txt -rsigner int.pem -rkey int.key -CA int.pem \
  -reqin ocsp-req.der -respout ocsp-good.der -ndays 3650
printf 'signflow --online test document\n' > content.txt
for leaf in good revoked; do
  openssl cms -sign -binary -nodetach -md sha256 -signer leaf-$leaf.pem \
    -inkey work/leaf-$leaf.key -in content.txt -outform DER -out signed-$leaf.p7s
done
rm -rf work root.key int.key
