#!/usr/bin/env bash
# Regenerates the xmlsec1-signed samples in this directory (testdata/xmldsig/).
#
#   bash testdata/xmldsig/generate.sh
#
# Needs `xmlsec1` (apt-get install xmlsec1). Signs each template with the test PKI's leaves
# (testdata/pki/*.key.pem + the certificate, which xmlsec1 puts in KeyInfo), then checks every
# result with `xmlsec1 --verify` against the test root and intermediate. Exits non-zero on any
# failure.
#
# | output                                  | template                         | what                                              |
# |-----------------------------------------|----------------------------------|---------------------------------------------------|
# | xmlsec1-signed-rsa.xml                  | template-rsa.xml                 | enveloped, URI="", exclusive C14N, rsa-sha256     |
# | xmlsec1-signed-ecdsa.xml                | template-ecdsa.xml               | enveloped, URI="", exclusive C14N, ecdsa-sha256   |
# | xmlsec1-signed-rsa-inclusive-id.xml     | template-rsa-inclusive-id.xml    | URI="#act-17", inclusive C14N (xml:lang and two namespaces in scope), rsa-sha512, sha512 digest |
# | xmlsec1-signed-ecdsa-enveloping.xml     | template-ecdsa-enveloping.xml    | enveloping (ds:Object), exclusive C14N, ecdsa-sha256 |
#
# RSA PKCS#1 v1.5 signatures are deterministic, so the RSA outputs change only if the test PKI
# was regenerated; ECDSA ones change on every run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
PKI=../pki

echo "== $(xmlsec1 --version)"
sign() { # KEY-STEM TEMPLATE OUTPUT [extra xmlsec1 options]
  local stem=$1 template=$2 output=$3
  shift 3
  xmlsec1 --sign "$@" \
    --privkey-pem "$PKI/$stem.key.pem,$PKI/$stem.pem" \
    --output "$output" \
    "$template"
  xmlsec1 --verify "$@" \
    --trusted-pem "$PKI/root-ca.pem" \
    --untrusted-pem "$PKI/intermediate-ca.pem" \
    --enabled-key-data x509 \
    "$output"
  echo "== wrote $output"
}

sign leaf-rsa template-rsa.xml xmlsec1-signed-rsa.xml
sign leaf-ecdsa-p256 template-ecdsa.xml xmlsec1-signed-ecdsa.xml
sign leaf-rsa template-rsa-inclusive-id.xml xmlsec1-signed-rsa-inclusive-id.xml \
  --id-attr:Id urn:signflow:test:Act
sign leaf-ecdsa-p256 template-ecdsa-enveloping.xml xmlsec1-signed-ecdsa-enveloping.xml
