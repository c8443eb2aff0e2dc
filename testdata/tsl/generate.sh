#!/usr/bin/env bash
# Test material of the accredited-CA list (src/tsl): a small list in the shape of the Минцифры
# file (root АккредитованныеУдостоверяющиеЦентры, see src/tsl/mod.rs), listing our own test
# CAs, and CMS signatures made by `openssl cms` (GOST through `-engine gost`) with certificates
# those CAs issued. Every certificate and signature is made by OpenSSL; this script only writes
# the list's XML around them.
#
#   file                   what
#   root.pem               "Тестовый головной УЦ": self-signed GOST 2012-256 root, 2020–2045
#   ca-active.pem          GOST CA, issued by the root; accredited since 2020-01-01
#   ca-early.pem           GOST CA; accredited 2020-01-01, terminated (Прекращена) 2025-06-01
#   ca-late.pem            GOST CA; accredited 2020-01-01, terminated 2030-06-01
#   ca-unlisted.pem        GOST CA issued by the root but absent from the list
#   signer-active.pem      GOST leaf by ca-active, the qualified profile (Order No. 795)
#   signer-early.pem       the same profile, by ca-early
#   signer-late.pem        the same profile, by ca-late
#   signer-unlisted.pem    the same profile, by ca-unlisted
#   signer-rsa.pem         RSA-2048 leaf by ca-active, the same profile (not a GOST key)
#   signer-plain.pem       GOST leaf by ca-active without subjectSignTool, issuerSignTool and a
#                          class policy
#   *.key.pem              their keys
#   NAME.p7s               `openssl cms -sign -nodetach` of document.txt by signer-NAME
#                          (signing-time = when this script ran: it must run before 2030-06-01
#                          for ca-late to have been accredited then)
#   tsl.xml                the list: the root's CA and ca-active, ca-early, ca-late with their
#                          histories and CRL addresses
#   tsl-malformed.xml      the same list with one <Данные> that is not base64
#   tsl-operator.pem       "Оператор списка (тест)": RSA-2048 leaf issued by the root, the key
#                          that signs the list (the xmlsec1 1.2 of Debian signs no GOST 2012)
#   tsl-signed.xml         tsl.xml with an enveloped XMLDSig by tsl-operator, made by xmlsec1
#                          (URI "", enveloped-signature + exclusive C14N, rsa-sha256, the
#                          certificate in KeyInfo)
#   tsl-signed-tampered.xml  tsl-signed.xml with ca-early's termination moved from 2025 to 2035
#                          after signing (an edited CA entry: the signature no longer holds)
#   tsl-signed-foreign.xml tsl.xml signed the same way by signer-rsa (a certificate of the
#                          same root that is not the list operator's)
#
# The personal INN and SNILS are made up; their check digits are computed below.
# Needs: openssl 3 with the GOST engine (libengine-gost-openssl). Re-run: bash generate.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-tsl.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
eng=(-engine gost)
quiet() { "$@" 2> >(grep -Ev '^(Engine "gost" set\.|Using configuration from .*|Check that the request matches the signature|Signature ok|The Subject.s Distinguished Name is as follows|.*:(PRINTABLE|UTF8STRING|ASN\.1 [0-9]+):.*|Certificate is to be certified until .*|Write out database with [0-9]+ new entries|Data Base Updated|Database updated|-----)$' >&2); }

digit() { echo "${1:$2:1}"; }
weighted() {
  local s="$1" sum=0 i=0; shift
  for w in "$@"; do sum=$(( sum + $(digit "$s" "$i") * w )); i=$((i + 1)); done
  echo "$sum"
}
inn12() {
  local p="$1" c1 c2
  c1=$(( $(weighted "$p" 7 2 4 10 3 5 9 4 6 8) % 11 % 10 ))
  c2=$(( $(weighted "$p$c1" 3 7 2 4 10 3 5 9 4 6 8) % 11 % 10 ))
  echo "$p$c1$c2"
}
snils() {
  local s; s=$(weighted "$1" 9 8 7 6 5 4 3 2 1)
  if (( s > 101 )); then s=$(( s % 101 )); fi
  if (( s == 100 || s == 101 )); then s=0; fi
  printf '%s%02d\n' "$1" "$s"
}

mkdir -p "$TMP/newcerts"
: > "$TMP/index.txt"
cat > "$TMP/openssl.cnf" <<EOF
[req]
distinguished_name = req_dn
string_mask = utf8only
utf8 = yes
prompt = no
[req_dn]
[ca]
default_ca = test_ca
[test_ca]
dir             = $TMP
database        = \$dir/index.txt
new_certs_dir   = \$dir/newcerts
default_md      = md_gost12_256
policy          = policy_anything
unique_subject  = no
copy_extensions = none
preserve        = yes
string_mask     = utf8only
email_in_dn     = no
rand_serial     = yes
[policy_anything]
countryName            = optional
organizationName       = optional
commonName             = supplied
surname                = optional
givenName              = optional
INN                    = optional
SNILS                  = optional
[v3_root]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
[v3_ca]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
certificatePolicies    = 1.2.643.100.113.1, 1.2.643.100.113.2
[v3_qualified]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
certificatePolicies    = 1.2.643.100.113.1
1.2.643.100.111        = ASN1:UTF8String:Signflow Test CSP 1.0
1.2.643.100.112        = ASN1:SEQUENCE:issuer_sign_tool
1.2.643.100.114        = ASN1:INTEGER:0
[v3_plain]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[issuer_sign_tool]
signTool     = UTF8String:Signflow Test CSP 1.0
caTool       = UTF8String:Signflow Test CA 1.0
signToolCert = UTF8String:Test conformity certificate SF/124-0001
caToolCert   = UTF8String:Test conformity certificate SF/128-0002
EOF
export OPENSSL_CONF="$TMP/openssl.cnf"

gost_key() { quiet openssl genpkey "${eng[@]}" -algorithm gost2012_256 -pkeyopt paramset:A -out "$1"; }

# issue <stem> <issuer stem|self> <extensions> <start> <end> <subject> [rsa]
issue() {
  local stem="$1" issuer="$2" ext="$3" start="$4" end="$5" subj="$6" kind="${7:-gost}"
  if [[ "$kind" == rsa ]]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$stem.key.pem" 2>/dev/null
  else
    gost_key "$stem.key.pem"
  fi
  quiet openssl req "${eng[@]}" -new -key "$stem.key.pem" -utf8 -subj "$subj" -out "$TMP/$stem.csr"
  if [[ "$issuer" == self ]]; then
    quiet openssl ca "${eng[@]}" -batch -selfsign -keyfile "$stem.key.pem" -in "$TMP/$stem.csr" \
      -extensions "$ext" -startdate "$start" -enddate "$end" -notext -out "$stem.pem"
  else
    quiet openssl ca "${eng[@]}" -batch -cert "$issuer.pem" -keyfile "$issuer.key.pem" \
      -in "$TMP/$stem.csr" -extensions "$ext" -startdate "$start" -enddate "$end" -notext \
      -out "$stem.pem"
  fi
}

issue root self v3_root 20200101000000Z 20450101000000Z \
  "/C=RU/O=Signflow Test/CN=Тестовый головной УЦ"
for ca in active early late unlisted; do
  issue "ca-$ca" root v3_ca 20200101000000Z 20400101000000Z \
    "/C=RU/O=Signflow Test/CN=Тестовый УЦ $ca"
done
person() { # person <n>: a personal INN and SNILS
  echo "/INN=$(inn12 "77010000$(printf '%02d' "$1")")/SNILS=$(snils "1120000$(printf '%02d' "$1")")"
}
LEAF_START=20260101000000Z; LEAF_END=20360101000000Z
issue signer-active ca-active v3_qualified $LEAF_START $LEAF_END \
  "/C=RU/SN=Иванов/GN=Иван Иванович/CN=Иванов Иван Иванович$(person 1)"
issue signer-early ca-early v3_qualified $LEAF_START $LEAF_END \
  "/C=RU/SN=Петров/GN=Пётр Петрович/CN=Петров Пётр Петрович$(person 2)"
issue signer-late ca-late v3_qualified $LEAF_START $LEAF_END \
  "/C=RU/SN=Сидорова/GN=Анна Павловна/CN=Сидорова Анна Павловна$(person 3)"
issue signer-unlisted ca-unlisted v3_qualified $LEAF_START $LEAF_END \
  "/C=RU/SN=Орлов/GN=Олег Олегович/CN=Орлов Олег Олегович$(person 4)"
issue signer-rsa ca-active v3_qualified $LEAF_START $LEAF_END \
  "/C=RU/SN=Зайцева/GN=Елена Юрьевна/CN=Зайцева Елена Юрьевна$(person 5)" rsa
issue tsl-operator root v3_plain $LEAF_START $LEAF_END \
  "/C=RU/O=Минцифры России (тест)/CN=Оператор списка (тест)" rsa
issue signer-plain ca-active v3_plain $LEAF_START $LEAF_END \
  "/C=RU/SN=Белов/GN=Борис Борисович/CN=Белов Борис Борисович$(person 6)"

printf 'Договор поставки № 42 от 7 декабря 2026 г.\n' > document.txt
for s in active early late unlisted rsa plain; do
  ca=ca-$s; [[ $s == rsa || $s == plain ]] && ca=ca-active
  md=md_gost12_256; [[ $s == rsa ]] && md=sha256
  quiet openssl cms "${eng[@]}" -sign -binary -nodetach -outform DER -md "$md" \
    -in document.txt -signer "signer-$s.pem" -inkey "signer-$s.key.pem" \
    -certfile "$ca.pem" -out "$s.p7s"
  quiet openssl cms "${eng[@]}" -verify -binary -inform DER -in "$s.p7s" \
    -CAfile root.pem -purpose any -out /dev/null
done

# --- the list ------------------------------------------------------------------------------
b64() { openssl x509 -in "$1" -outform DER | base64 -w0; }
field() { openssl x509 -in "$1" -noout -nameopt utf8,sep_comma_plus_space "$2" | sed 's/^[a-zA-Z ]*= *//'; }
xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
iso() { # iso <openssl date>: RFC 3339, UTC
  date -u -d "$1" +%Y-%m-%dT%H:%M:%S | sed 's/$/+00:00/'
}
cert_xml() {
  local f="$1"
  cat <<EOF
                <ДанныеСертификата>
                  <Отпечаток>$(openssl x509 -in "$f" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')</Отпечаток>
                  <КемВыдан>$(field "$f" -issuer | xml_escape)</КемВыдан>
                  <КомуВыдан>$(field "$f" -subject | xml_escape)</КомуВыдан>
                  <СерийныйНомер>$(openssl x509 -in "$f" -noout -serial | sed 's/.*=//')</СерийныйНомер>
                  <ПериодДействияС>$(iso "$(openssl x509 -in "$f" -noout -startdate | sed 's/.*=//')")</ПериодДействияС>
                  <ПериодДействияДо>$(iso "$(openssl x509 -in "$f" -noout -enddate | sed 's/.*=//')")</ПериодДействияДо>
                  <Данные>$(b64 "$f")</Данные>
                </ДанныеСертификата>
EOF
}
status_xml() { # status_xml <word> <since>
  printf '      <СтатусАккредитации>\n        <Статус>%s</Статус>\n        <ДействуетС>%s</ДействуетС>\n      </СтатусАккредитации>\n' "$1" "$2"
}
ca_xml() { # ca_xml <name> <inn> <ogrn> <reg no> <cert> <history: word=since,...>
  local name="$1" inn="$2" ogrn="$3" reg="$4" cert="$5" history="$6" last
  echo "  <УдостоверяющийЦентр>"
  echo "    <Название>$(echo "$name" | xml_escape)</Название>"
  echo "    <ЭлектроннаяПочта>ca@signflow.test</ЭлектроннаяПочта>"
  echo "    <КраткоеНазвание>$(echo "$name" | xml_escape)</КраткоеНазвание>"
  echo "    <АдресСИнформациейПоУЦ>http://ca.signflow.test/</АдресСИнформациейПоУЦ>"
  echo "    <Адрес><Страна>RU</Страна><Индекс>101000</Индекс><Город>Москва</Город></Адрес>"
  echo "    <ПрограммноАппаратныеКомплексы>"
  echo "      <ПрограммноАппаратныйКомплекс>"
  echo "        <Псевдоним>$reg</Псевдоним>"
  echo "        <КлассСредствЭП>КС1</КлассСредствЭП>"
  echo "        <СредстваУЦ>Signflow Test CA 1.0</СредстваУЦ>"
  echo "        <КлючиУполномоченныхЛиц>"
  echo "          <Ключ>"
  echo "            <ИдентификаторКлюча>$(openssl x509 -in "$cert" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :')</ИдентификаторКлюча>"
  echo "            <АдресаСписковОтзыва>"
  echo "              <Адрес>http://ca.signflow.test/$reg.crl</Адрес>"
  echo "              <Адрес>http://ca2.signflow.test/$reg.crl</Адрес>"
  echo "            </АдресаСписковОтзыва>"
  echo "            <Сертификаты>"
  cert_xml "$cert"
  echo "            </Сертификаты>"
  echo "          </Ключ>"
  echo "        </КлючиУполномоченныхЛиц>"
  echo "      </ПрограммноАппаратныйКомплекс>"
  echo "    </ПрограммноАппаратныеКомплексы>"
  echo "    <ИНН>$inn</ИНН>"
  echo "    <ОГРН>$ogrn</ОГРН>"
  echo "    <РеестровыйНомер>$reg</РеестровыйНомер>"
  last="${history##*,}"
  status_xml "${last%%=*}" "${last#*=}"
  echo "    <ИсторияСтатусовАккредитации>"
  local IFS=,
  for entry in $history; do status_xml "${entry%%=*}" "${entry#*=}"; done
  echo "    </ИсторияСтатусовАккредитации>"
  echo "  </УдостоверяющийЦентр>"
}
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<АккредитованныеУдостоверяющиеЦентры>'
  echo '  <Версия>1042</Версия>'
  echo '  <Дата>2031-01-01T00:00:00+03:00</Дата>'
  ca_xml 'Тестовый головной УЦ' 7710474375 1047702026701 0 root.pem \
    'Действует=2019-01-01T00:00:00+03:00'
  ca_xml 'ООО "Тестовый УЦ Действующий"' 7707083893 1027700132195 901 ca-active.pem \
    'Действует=2020-01-01T00:00:00+03:00'
  ca_xml 'ООО "Тестовый УЦ Прекращённый"' 5001007329 1045000012342 902 ca-early.pem \
    'Действует=2020-01-01T00:00:00+03:00,Прекращена=2025-06-01T00:00:00+03:00'
  ca_xml 'ООО "Тестовый УЦ Поздний"' 7707083893 1027700132195 903 ca-late.pem \
    'Действует=2020-01-01T00:00:00+03:00,Прекращена=2030-06-01T00:00:00+03:00'
  echo '</АккредитованныеУдостоверяющиеЦентры>'
} > tsl.xml
xmllint --noout tsl.xml
# One certificate's base64 broken: a format error that names <Данные>.
awk 'BEGIN{done=0} /<Данные>/ && !done {sub(/<Данные>/, "<Данные>!!not base64!!"); done=1} {print}' \
  tsl.xml > tsl-malformed.xml

# --- the list's own signature (xmlsec1) -----------------------------------------------------
# sign_list <in> <out> <key> <cert>: an enveloped signature, the root's last child.
sign_list() {
  local in="$1" out="$2" key="$3" cert="$4"
  sed '/^<\/АккредитованныеУдостоверяющиеЦентры>$/d' "$in" > "$TMP/template.xml"
  cat >> "$TMP/template.xml" <<'XML'
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">
    <SignedInfo>
      <CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      <SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
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
    <KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo>
  </Signature>
</АккредитованныеУдостоверяющиеЦентры>
XML
  xmlsec1 --sign --privkey-pem "$key,$cert" --output "$out" "$TMP/template.xml"
  xmlsec1 --verify --pubkey-cert-pem "$cert" "$out" >/dev/null 2>&1
}
sign_list tsl.xml tsl-signed.xml tsl-operator.key.pem tsl-operator.pem
sign_list tsl.xml tsl-signed-foreign.xml signer-rsa.key.pem signer-rsa.pem
grep -q '2025-06-01T00:00:00+03:00' tsl-signed.xml
sed 's/2025-06-01T00:00:00+03:00/2035-06-01T00:00:00+03:00/g' tsl-signed.xml \
  > tsl-signed-tampered.xml
if xmlsec1 --verify --pubkey-cert-pem tsl-operator.pem tsl-signed-tampered.xml >/dev/null 2>&1
then
  echo "the tampered list still verifies" >&2
  exit 1
fi
rm -f ./*.csr
echo "made: $(ls ./*.pem ./*.p7s tsl*.xml | wc -l) files"
