#!/usr/bin/env bash
# Regenerates the xmlsec1-signed samples in this directory (testdata/xmldsig/).
#
#   bash testdata/xmldsig/generate.sh
#
# Needs `xmlsec1` (apt-get install xmlsec1). Signs template-rsa.xml (enveloped, exclusive C14N,
# rsa-sha256, the signer's certificate in KeyInfo) with the test PKI's RSA leaf
# (testdata/pki/leaf-rsa.key.pem + leaf-rsa.pem) into xmlsec1-signed-rsa.xml, then checks the
# result with `xmlsec1 --verify` against the test root and intermediate. Exits non-zero on
# any failure. The output differs from run to run only if the test PKI was regenerated
# (RSA PKCS#1 v1.5 signatures are deterministic).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
PKI=../pki

echo "== $(xmlsec1 --version)"
xmlsec1 --sign \
  --privkey-pem "$PKI/leaf-rsa.key.pem,$PKI/leaf-rsa.pem" \
  --output xmlsec1-signed-rsa.xml \
  template-rsa.xml
xmlsec1 --verify \
  --trusted-pem "$PKI/root-ca.pem" \
  --untrusted-pem "$PKI/intermediate-ca.pem" \
  --enabled-key-data x509 \
  xmlsec1-signed-rsa.xml
echo "== wrote xmlsec1-signed-rsa.xml"
