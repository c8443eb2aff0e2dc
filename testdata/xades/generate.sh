#!/usr/bin/env bash
# Regenerates the XAdES samples signed by xmlsec1 (not by signflow) in testdata/xades/.
#
# Needs xmlsec1 and openssl. Each template is an enveloped XMLDSig with a second Reference to
# a xades:SignedProperties (Type http://uri.etsi.org/01903#SignedProperties) inside a
# ds:Object/xades:QualifyingProperties; the SigningCertificateV2's CertDigest is computed here
# with openssl, xmlsec1 computes both Reference digests and the signature
# (--id-attr:Id makes the SignedProperties' Id resolvable), and every result is checked with
# `xmlsec1 --verify`.
#
# | file                  | what it is                                                        |
# |-----------------------|-------------------------------------------------------------------|
# | xmlsec1-bes.xml       | XAdES-BES: CertDigest (SHA-256) of the signer's certificate       |
# | xmlsec1-epes.xml      | XAdES-EPES: as BES plus a SignaturePolicyIdentifier               |
# | xmlsec1-wrong-cert.xml| signed properties naming the intermediate CA, not the signer      |
# | xmlsec1-no-type.xml   | the SignedProperties Reference lacks its Type: XMLDSig, no level  |
set -euo pipefail
cd "$(dirname "$0")"
pki=../pki
leaf=$pki/leaf-rsa.pem
key=$pki/leaf-rsa.key.pem
digest() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | base64 -w0; }
X='http://uri.etsi.org/01903/v1.3.2#'

template() { # out, cert digest, reference type attribute, extra signed signature properties
  cat >"$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<Act xmlns="urn:signflow:test" Id="act-1"><Amount>1000.00</Amount><Payee>ООО «Ромашка»</Payee><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-1"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference><ds:Reference $3URI="#props-1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo><ds:Object><xades:QualifyingProperties xmlns:xades="$X" Target="#sig-1"><xades:SignedProperties Id="props-1"><xades:SignedSignatureProperties><xades:SigningTime>2026-06-01T12:00:00Z</xades:SigningTime><xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>$2</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2>$4</xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature></Act>
XML
}

type='Type="http://uri.etsi.org/01903#SignedProperties" '
policy='<xades:SignaturePolicyIdentifier><xades:SignaturePolicyId><xades:SigPolicyId><xades:Identifier>urn:oid:1.2.643.100.999.1</xades:Identifier></xades:SigPolicyId><xades:SigPolicyHash><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=</ds:DigestValue></xades:SigPolicyHash></xades:SignaturePolicyId></xades:SignaturePolicyIdentifier>'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
template "$tmp/bes.xml" "$(digest "$leaf")" "$type" ""
template "$tmp/epes.xml" "$(digest "$leaf")" "$type" "$policy"
template "$tmp/wrong-cert.xml" "$(digest "$pki/intermediate-ca.pem")" "$type" ""
template "$tmp/no-type.xml" "$(digest "$leaf")" "" ""
for stem in bes epes wrong-cert no-type; do
  xmlsec1 --sign --privkey-pem "$key,$leaf" --id-attr:Id "$X:SignedProperties" \
    --output "xmlsec1-$stem.xml" "$tmp/$stem.xml"
  xmlsec1 --verify --trusted-pem $pki/root-ca.pem --untrusted-pem $pki/intermediate-ca.pem \
    --id-attr:Id "$X:SignedProperties" --verification-gmt-time 2027-01-01+00:00:00 \
    "xmlsec1-$stem.xml" >/dev/null 2>&1 || { echo "xmlsec1 does not verify xmlsec1-$stem.xml"; exit 1; }
done
echo "ok: xmlsec1-{bes,epes,wrong-cert,no-type}.xml"
