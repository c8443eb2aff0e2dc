#!/usr/bin/env bash
# Regenerates the WS-Security SOAP samples signed by xmlsec1 in testdata/xmldsig/wss/.
#
# A SOAP 1.1 envelope as SMEV 2-era systems sent them: the signer's certificate in a
# wsse:BinarySecurityToken (wsu:Id="cert"), a ds:Signature in the wsse:Security header whose
# Reference covers the soap:Body by its wsu:Id, and whose KeyInfo is a
# wsse:SecurityTokenReference to the token. xmlsec1 signs with the key only (`--id-attr:Id`
# makes the wsu:Id attributes resolvable) and leaves KeyInfo as written; the result is checked
# with `xmlsec1 --verify` given the certificate.
#
# | file              | KeyInfo                                                              |
# |-------------------|----------------------------------------------------------------------|
# | xmlsec1-str.xml   | SecurityTokenReference/Reference URI="#cert" to the BinarySecurityToken |
# | xmlsec1-ski.xml   | SecurityTokenReference/KeyIdentifier (X509SubjectKeyIdentifier): the caller holds the certificate |
set -euo pipefail
cd "$(dirname "$0")"
pki=../../pki
leaf=$pki/leaf-rsa.pem
key=$pki/leaf-rsa.key.pem
cert_b64=$(openssl x509 -in "$leaf" -outform DER | base64 -w0)
ski_b64=$(openssl x509 -in "$leaf" -noout -ext subjectKeyIdentifier | tail -n1 | tr -d ' :\n' | xxd -r -p | base64 -w0)
WSSE=http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd
WSU=http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd
X509=http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0
SMS=http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0

template() { # out, KeyInfo content
  cat >"$1" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:wsse="$WSSE" xmlns:wsu="$WSU"><soap:Header><wsse:Security soap:actor="http://smev.gosuslugi.ru/actors/smev"><wsse:BinarySecurityToken EncodingType="$SMS#Base64Binary" ValueType="$X509#X509v3" wsu:Id="cert">$cert_b64</wsse:BinarySecurityToken><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#body"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo>$2</ds:KeyInfo></ds:Signature></wsse:Security></soap:Header><soap:Body wsu:Id="body"><GetStatus xmlns="urn:signflow:test"><Request>17</Request></GetStatus></soap:Body></soap:Envelope>
XML
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
template "$tmp/str.xml" "<wsse:SecurityTokenReference><wsse:Reference URI=\"#cert\" ValueType=\"$X509#X509v3\"/></wsse:SecurityTokenReference>"
template "$tmp/ski.xml" "<wsse:SecurityTokenReference><wsse:KeyIdentifier EncodingType=\"$SMS#Base64Binary\" ValueType=\"$X509#X509SubjectKeyIdentifier\">$ski_b64</wsse:KeyIdentifier></wsse:SecurityTokenReference>"
for stem in str ski; do
  xmlsec1 --sign --privkey-pem "$key" --id-attr:Id "http://schemas.xmlsoap.org/soap/envelope/:Body" \
    --output "xmlsec1-$stem.xml" "$tmp/$stem.xml"
  xmlsec1 --verify --pubkey-cert-pem "$leaf" \
    --id-attr:Id "http://schemas.xmlsoap.org/soap/envelope/:Body" \
    "xmlsec1-$stem.xml" >/dev/null 2>&1 || { echo "xmlsec1 does not verify xmlsec1-$stem.xml"; exit 1; }
done
echo "ok: xmlsec1-{str,ski}.xml"
