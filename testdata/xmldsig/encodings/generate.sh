#!/usr/bin/env bash
# Regenerates the non-UTF-8 XML samples in this directory (testdata/xmldsig/encodings/).
#
#   bash testdata/xmldsig/encodings/generate.sh
#
# Needs `iconv` (glibc) and `xmlsec1` (apt-get install xmlsec1). From source.xml (UTF-8, with
# an @ENCODING@ placeholder in its declaration and comment) it writes the same document in
# each encoding below, unsigned (document-*.xml: what the tests sign with signflow) and as an
# xmlsec1 template with an enveloped Signature (template-*.xml, the Signature spliced in before
# </Act>). xmlsec1 signs each template with a test PKI leaf (testdata/pki/*.key.pem; the
# certificate goes into KeyInfo) and checks the result with `xmlsec1 --verify` against the test
# root and intermediate. Exits non-zero on any failure.
#
# | output                        | encoding                         | key             |
# |-------------------------------|----------------------------------|-----------------|
# | xmlsec1-signed-windows-1251.xml | windows-1251                   | leaf-rsa        |
# | xmlsec1-signed-koi8-r.xml     | KOI8-R                           | leaf-rsa        |
# | xmlsec1-signed-iso-8859-5.xml | ISO-8859-5                       | leaf-ecdsa-p256 |
# | xmlsec1-signed-utf-16.xml     | UTF-16 (little-endian, with BOM) | leaf-ecdsa-p256 |
#
# xmlsec1 writes each signed document back in its declared encoding. RSA PKCS#1 v1.5
# signatures are deterministic; ECDSA ones change on every run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
PKI=../../pki
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== $(xmlsec1 --version)"
signature() { # SIGNATURE-METHOD-URI
  cat <<SIG
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">
    <SignedInfo>
      <CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      <SignatureMethod Algorithm="$1"/>
      <Reference URI="">
        <Transforms>
          <Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
          <Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
        </Transforms>
        <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <DigestValue/>
      </Reference>
    </SignedInfo>
    <SignatureValue/>
    <KeyInfo>
      <X509Data>
        <X509Certificate/>
      </X509Data>
    </KeyInfo>
  </Signature>
SIG
}

make() { # NAME DECLARED-ENCODING ICONV-ENCODING KEY-STEM SIGNATURE-METHOD-URI
  local name=$1 declared=$2 iconv_to=$3 stem=$4 method=$5
  sed "s/@ENCODING@/$declared/g" source.xml > "$TMP/$name.utf8.xml"
  iconv -f UTF-8 -t "$iconv_to" "$TMP/$name.utf8.xml" > "document-$name.xml"
  {
    sed '/^<\/Act>/d' "$TMP/$name.utf8.xml"
    signature "$method"
    echo '</Act>'
  } > "$TMP/$name.template.utf8.xml"
  iconv -f UTF-8 -t "$iconv_to" "$TMP/$name.template.utf8.xml" > "template-$name.xml"
  xmlsec1 --sign \
    --privkey-pem "$PKI/$stem.key.pem,$PKI/$stem.pem" \
    --output "xmlsec1-signed-$name.xml" \
    "template-$name.xml"
  xmlsec1 --verify \
    --trusted-pem "$PKI/root-ca.pem" \
    --untrusted-pem "$PKI/intermediate-ca.pem" \
    --enabled-key-data x509 \
    "xmlsec1-signed-$name.xml"
  echo "== wrote xmlsec1-signed-$name.xml"
}

RSA=http://www.w3.org/2001/04/xmldsig-more#rsa-sha256
ECDSA=http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256
make windows-1251 windows-1251 WINDOWS-1251 leaf-rsa "$RSA"
make koi8-r KOI8-R KOI8-R leaf-rsa "$RSA"
make iso-8859-5 ISO-8859-5 ISO-8859-5 leaf-ecdsa-p256 "$ECDSA"
# glibc's iconv writes UTF-16 with a byte-order mark, in the machine's order (little-endian).
make utf-16 UTF-16 UTF-16 leaf-ecdsa-p256 "$ECDSA"
