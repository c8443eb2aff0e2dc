#!/usr/bin/env bash
# Test material of the МЧД (machine-readable power of attorney, ФНС format EMCHD_1 v003) tests.
# Everything here is made by openssl (and its GOST engine) and checked by xmllint against the
# ФНС schema ON_EMCHD_1_928_00_01_01_01.xsd (copied from the format's publication).
#
# PKI (own, independent of ../pki): ca.pem (RSA root, trust anchor), gost-ca.pem (GOST 2012-256
# root), and leaves in the 795 profile (subjectSignTool, issuerSignTool, KC1 policy):
#   director.pem      ООО "Ромашка" INNLE 7707083893 OGRN 1027700132195, director Иванов И.И.
#                     (INN 500100732259, SNILS 112-233-445 95), RSA
#   director-gost.pem the same director, GOST R 34.10-2012 256 (issued by gost-ca.pem)
#   employee.pem      Петров Пётр Петрович, personal: INN 771234567859, SNILS 123-456-789 64
#   stranger.pem      Сидоров Сидор Сидорович, personal: INN 366406939705, SNILS 987-654-321 83 (the
#                     check digits of both computed below), a representative of nobody
# МЧД files (*.xml) and their detached CMS signatures (*.xml.sig, DER):
#   valid.xml         2026-01-01..2030-12-31, representative employee, signed by director
#   valid-gost.xml    the same powers, signed by director-gost (GOST)
#   expired.xml       2025-01-01..2026-06-30;  notyet.xml 2027-06-01..2030-12-31
#   employee-signed.xml   signed by the employee instead of the director
#   altered.xml       valid.xml's signature over a file changed after signing
#   other-principal.xml   principal ООО "Василёк" (5001007329/1045000012342), signed by director
#   cp1251.xml        windows-1251 encoded, signed by director
#   revoked.txt       the GUID of valid.xml (one GUID a line)
# CRLs (empty, ten years): ca.crl.pem, gost-ca.crl.pem, made by generate-crl.sh (run at the end)
# Document signatures (detached CMS over doc.txt, signingTime = generation time):
#   doc.employee.p7s, doc.stranger.p7s
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-mchd.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
eng=(-engine gost)

ORG_INN=7707083893; ORG_OGRN=1027700132195; ORG_KPP=770701001
DIR_INN=500100732259; DIR_SNILS=11223344595
EMP_INN=771234567859; EMP_SNILS=12345678964
STR_INN=$(python3 -c "
n='3664069397'[:10]
c1=[7,2,4,10,3,5,9,4,6,8];c2=[3,7,2,4,10,3,5,9,4,6,8]
a=sum(int(d)*c for d,c in zip(n,c1))%11%10;n+=str(a)
b=sum(int(d)*c for d,c in zip(n,c2))%11%10;print(n+str(b))")
STR_SNILS=$(python3 -c "
n='987654321';s=sum(int(d)*(9-i) for i,d in enumerate(n))%101
print(n+('%02d'%(0 if s==100 else s)))")

cat > "$TMP/openssl.cnf" <<EOF
openssl_conf = openssl_init
oid_section = oids
[openssl_init]
engines = engine_section
[engine_section]
[oids]
INNLE = 1.2.643.100.4
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
prompt = no
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_795]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
certificatePolicies    = 1.2.643.100.113.1
1.2.643.100.111        = ASN1:UTF8String:СКЗИ "Тест-CSP"
1.2.643.100.112        = ASN1:SEQUENCE:issuer_tool
[issuer_tool]
a = UTF8:СКЗИ "Тест-CSP"
b = UTF8:ПАК "Тест-УЦ"
c = UTF8:Сертификат соответствия № СФ/000-0000
d = UTF8:Сертификат соответствия № СФ/000-0001
EOF
export OPENSSL_CONF="$TMP/openssl.cnf"
DAYS=(-days 3650)
q() { "$@" 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }; }

# RSA root and GOST root
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key.pem -out ca.pem -sha256 "${DAYS[@]}" \
  -subj "/C=RU/O=Тестовый УЦ signflow/CN=Тестовый УЦ МЧД" -extensions v3_ca -config "$TMP/openssl.cnf"
q openssl req "${eng[@]}" -x509 -newkey gost2012_256 -pkeyopt paramset:A -nodes -keyout gost-ca.key.pem \
  -out gost-ca.pem -md_gost12_256 "${DAYS[@]}" -subj "/C=RU/CN=Тестовый УЦ МЧД ГОСТ" \
  -extensions v3_ca -config "$TMP/openssl.cnf"

leaf() { # name subject [gost]
  local name=$1 subj=$2
  if [[ ${3:-} == gost ]]; then
    q openssl req "${eng[@]}" -new -newkey gost2012_256 -pkeyopt paramset:A -nodes -keyout "$name.key.pem" \
      -out "$TMP/$name.csr" -subj "$subj" -config "$TMP/openssl.cnf"
    q openssl x509 "${eng[@]}" -req -in "$TMP/$name.csr" -CA gost-ca.pem -CAkey gost-ca.key.pem \
      -set_serial "0x$(openssl rand -hex 8)" -md_gost12_256 "${DAYS[@]}" -extfile "$TMP/openssl.cnf" \
      -extensions v3_795 -out "$name.pem"
  else
    q openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key.pem" -out "$TMP/$name.csr" \
      -subj "$subj" -config "$TMP/openssl.cnf"
    q openssl x509 -req -in "$TMP/$name.csr" -CA ca.pem -CAkey ca.key.pem \
      -set_serial "0x$(openssl rand -hex 8)" -sha256 "${DAYS[@]}" -extfile "$TMP/openssl.cnf" \
      -extensions v3_795 -out "$name.pem"
  fi
}
DIR_SUBJ="/C=RU/O=ООО \"Ромашка\"/title=Генеральный директор/CN=Иванов Иван Иванович/SN=Иванов/GN=Иван Иванович/INN=$DIR_INN/SNILS=$DIR_SNILS/OGRN=$ORG_OGRN/INNLE=$ORG_INN"
leaf director "$DIR_SUBJ"
leaf director-gost "$DIR_SUBJ" gost
leaf employee "/C=RU/CN=Петров Пётр Петрович/SN=Петров/GN=Пётр Петрович/INN=$EMP_INN/SNILS=$EMP_SNILS"
leaf stranger "/C=RU/CN=Сидоров Сидор Сидорович/SN=Сидоров/GN=Сидор Сидорович/INN=$STR_INN/SNILS=$STR_SNILS"

snils_fmt() { echo "${1:0:3}-${1:3:3}-${1:6:3} ${1:9:2}"; }

# mchd GUID FROM TO ORGNAME INN OGRN
mchd() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Доверенность xmlns="urn://x-artefacts/EMCHD_1" ВерсФорм="EMCHD_1" ПрЭлФорм="00000000" ИдФайл="ON_EMCHD_$1">
  <Документ>
    <Довер>
      <СвДов ВидДовер="1" ПрПередов="2" ВнНомДовер="42/2026" НомДовер="$1" ДатаВыдДовер="$2" СрокДейст="$3">
        <СведСист>https://m4d.nalog.gov.ru/emchd/check-status</СведСист>
      </СвДов>
      <СвДоверит ТипДоверит="1">
        <Доверит>
          <РосОргДовер ЕИОУК="0" ЕИОФЛ="1" ЕИОИП="0">
            <СвРосОрг НаимОрг="$4" ИННЮЛ="$5" КПП="$ORG_KPP" ОГРН="$6"/>
            <ЛицоБезДов ПолнЮЛ="1">
              <СвФЛ ИННФЛ="$DIR_INN" СНИЛС="$(snils_fmt $DIR_SNILS)" Должность="Генеральный директор">
                <СведФЛ><ФИО Фамилия="Иванов" Имя="Иван" Отчество="Иванович"/></СведФЛ>
              </СвФЛ>
            </ЛицоБезДов>
          </РосОргДовер>
        </Доверит>
      </СвДоверит>
      <СвУпПред ТипПред="3">
        <Пред>
          <СведФизЛ ИННФЛ="$EMP_INN" СНИЛС="$(snils_fmt $EMP_SNILS)">
            <СведФЛ><ФИО Фамилия="Петров" Имя="Пётр" Отчество="Петрович"/></СведФЛ>
          </СведФизЛ>
        </Пред>
      </СвУпПред>
      <СвПолн ТипПолн="1" ПрСовмПолн="1">
        <МашПолн КодПолн="SF_DOC_SIGN" НаимПолн="Подписание первичных учётных документов"/>
        <МашПолн КодПолн="SF_CONTRACT" НаимПолн="Подписание договоров"/>
      </СвПолн>
    </Довер>
  </Документ>
</Доверенность>
EOF
}
ROM='ООО &quot;Ромашка&quot;'
mchd 0f1c2d3e-4b5a-4697-8a1b-2c3d4e5f6071 2026-01-01 2030-12-31 "$ROM" $ORG_INN $ORG_OGRN > valid.xml
mchd 1a2b3c4d-5e6f-4a1b-9c2d-3e4f5a6b7c8d 2026-01-01 2030-12-31 "$ROM" $ORG_INN $ORG_OGRN > valid-gost.xml
mchd 2b3c4d5e-6f7a-4b2c-8d3e-4f5a6b7c8d9e 2025-01-01 2026-06-30 "$ROM" $ORG_INN $ORG_OGRN > expired.xml
mchd 3c4d5e6f-7a8b-4c3d-9e4f-5a6b7c8d9eaf 2027-06-01 2030-12-31 "$ROM" $ORG_INN $ORG_OGRN > notyet.xml
mchd 4d5e6f7a-8b9c-4d4e-8f5a-6b7c8d9eafb0 2026-01-01 2030-12-31 "$ROM" $ORG_INN $ORG_OGRN > employee-signed.xml
mchd 5e6f7a8b-9cad-4e5f-9a6b-7c8d9eafb0c1 2026-01-01 2030-12-31 'ООО &quot;Василёк&quot;' 5001007329 1045000012342 > other-principal.xml
mchd 6f7a8b9c-adbe-4f6a-8b7c-8d9eafb0c1d2 2026-01-01 2030-12-31 "$ROM" $ORG_INN $ORG_OGRN \
  | sed 's/encoding="UTF-8"/encoding="windows-1251"/' | iconv -f UTF-8 -t WINDOWS-1251 > cp1251.xml
for f in valid valid-gost expired notyet employee-signed other-principal cp1251; do
  xmllint --noout --schema ON_EMCHD_1_928_00_01_01_01.xsd "$f.xml" 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
done

sign() { # file cert [gost]
  if [[ ${3:-} == gost ]]; then
    q openssl cms "${eng[@]}" -sign -binary -md md_gost12_256 -in "$1" -signer "$2.pem" -inkey "$2.key.pem" \
      -outform DER -out "$1.sig"
  else
    q openssl cms -sign -binary -md sha256 -in "$1" -signer "$2.pem" -inkey "$2.key.pem" -outform DER -out "$1.sig"
  fi
}
sign valid.xml director
sign valid-gost.xml director-gost gost
sign expired.xml director
sign notyet.xml director
sign employee-signed.xml employee
sign other-principal.xml director
sign cp1251.xml director
sed 's/SF_CONTRACT/SF_ALL_DOCS/' valid.xml > altered.xml
cp valid.xml.sig altered.xml.sig
echo 0f1c2d3e-4b5a-4697-8a1b-2c3d4e5f6071 > revoked.txt

printf 'Акт сверки № 17 от 1 декабря 2026 г.\n' > doc.txt
q openssl cms -sign -binary -md sha256 -in doc.txt -signer employee.pem -inkey employee.key.pem -outform DER -out doc.employee.p7s
q openssl cms -sign -binary -md sha256 -in doc.txt -signer stranger.pem -inkey stranger.key.pem -outform DER -out doc.stranger.p7s
bash generate-crl.sh
openssl version > OPENSSL_VERSION
chmod 644 ./*
chmod 755 generate.sh
