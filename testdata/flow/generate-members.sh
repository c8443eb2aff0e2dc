#!/usr/bin/env bash
# Member certificates of the document-flow tests: the two organisations' directors, employees
# with personal qualified certificates, a deputy with a plain (not qualified) organisation
# certificate, and a stranger who belongs to no organisation. All are issued by the committed
# test intermediate (../pki/intermediate-ca.{pem,key.pem}), so ../pki's trust anchor and CRLs
# cover them; ../pki and counterparty.* (made by generate.sh) are not touched.
#
# "Qualified" here means what signflow::pki::russian::RussianAttributes::is_qualified checks:
# subjectSignTool (1.2.643.100.111) and issuerSignTool (1.2.643.100.112) extensions and a class
# policy (1.2.643.100.113.1, KC1). A qualified certificate binds a flow member to the person
# (SNILS + personal INN); any other certificate binds the member to itself.
#
#   file stem         serial  who                          subject requisites            qualified
#   director-romashka 0x2010  Смирнов Пётр Алексеевич      INN SNILS INNLE OGRN (Ромашка) yes
#   director-vasilek  0x2011  Кузнецова Мария Игоревна     INN SNILS INNLE OGRN (Василёк) yes
#   clerk-romashka    0x2012  Соколова Ольга Дмитриевна    INN SNILS (personal)          yes
#   helper-vasilek    0x2013  Новиков Алексей Петрович     INN SNILS (personal)          yes
#   watcher-romashka  0x2014  Морозов Игорь Сергеевич      INN SNILS (personal)          yes
#   deputy-romashka   0x2015  Волков Сергей Николаевич     INN SNILS INNLE OGRN (Ромашка) no
#   stranger          0x2016  Лебедев Антон Викторович     INN SNILS (personal)          yes
#
# Every certificate: ECDSA P-256 key, 2026-01-01 – 2036-01-01, the leaf extensions of ../pki
# (basicConstraints CA:FALSE, keyUsage digitalSignature+nonRepudiation, EKU emailProtection,
# SKI, AKI, CDP), .pem + .key.pem; the two directors also get a .p12 (password ../pki/PASSWORD).
# The personal INN and SNILS are made up: the script computes their check digits from the
# prefixes below. Re-running makes new keys and certificates with the same subjects.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PKI=../pki
PASSWORD="$(cat "$PKI/PASSWORD")"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-members.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# --- check digits ------------------------------------------------------------------------
digit() { echo "${1:$2:1}"; }
weighted() { # weighted <number> <weights...>
  local s="$1" sum=0 i=0; shift
  for w in "$@"; do sum=$(( sum + $(digit "$s" "$i") * w )); i=$((i + 1)); done
  echo "$sum"
}
inn12() { # inn12 <10-digit prefix>: the full personal INN
  local p="$1" c1 c2
  c1=$(( $(weighted "$p" 7 2 4 10 3 5 9 4 6 8) % 11 % 10 ))
  c2=$(( $(weighted "$p$c1" 3 7 2 4 10 3 5 9 4 6 8) % 11 % 10 ))
  echo "$p$c1$c2"
}
snils() { # snils <9-digit prefix>: the full SNILS
  local s; s=$(weighted "$1" 9 8 7 6 5 4 3 2 1)
  if (( s > 101 )); then s=$(( s % 101 )); fi
  if (( s == 100 || s == 101 )); then s=0; fi
  printf '%s%02d\n' "$1" "$s"
}

ROMASHKA_INNLE='7707083893'; ROMASHKA_OGRN='1027700132195'; ROMASHKA_O='ООО "Ромашка"'
VASILEK_INNLE='5001007329';  VASILEK_OGRN='1045000012342';  VASILEK_O='ООО "Василёк"'

# --- openssl configuration ---------------------------------------------------------------
mkdir -p "$TMP/newcerts"
: > "$TMP/index.txt"
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
organizationName       = optional
commonName             = supplied
surname                = optional
givenName              = optional
title                  = optional
localityName           = optional
[v3_plain]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl
certificatePolicies    = 1.2.643.100.113.1
[v3_qualified]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://pki.signflow.test/intermediate.crl
certificatePolicies    = 1.2.643.100.113.1
1.2.643.100.111        = ASN1:UTF8String:Signflow Test CSP 1.0
1.2.643.100.112        = ASN1:SEQUENCE:issuer_sign_tool
[issuer_sign_tool]
signTool     = UTF8String:Signflow Test CSP 1.0
caTool       = UTF8String:Signflow Test CA 1.0
signToolCert = UTF8String:Test conformity certificate SF/124-0001
caToolCert   = UTF8String:Test conformity certificate SF/128-0002
EOF
export OPENSSL_CONF="$TMP/openssl.cnf"

# issue <stem> <serial hex> <extensions> <subject>
issue() {
  local stem="$1" serial="$2" ext="$3" subj="$4"
  echo "$serial" > "$TMP/serial"
  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -pkeyopt ec_param_enc:named_curve -out "$stem.key.pem"
  openssl req -new -utf8 -key "$stem.key.pem" -out "$TMP/$stem.csr" -subj "$subj"
  openssl ca -batch -notext -utf8 -preserveDN -startdate 20260101000000Z -enddate 20360101000000Z \
    -extensions "$ext" -in "$TMP/$stem.csr" -out "$stem.pem" 2> "$TMP/ca.log" \
    || { cat "$TMP/ca.log" >&2; exit 1; }
  openssl verify -attime 1798761600 -CAfile "$PKI/root-ca.pem" -untrusted "$PKI/intermediate-ca.pem" \
    -crl_check -CRLfile "$PKI/intermediate-ca.crl.pem" "$stem.pem" > /dev/null
  chmod 644 "$stem.pem" "$stem.key.pem"
  echo "$stem: serial 0x$serial, $(openssl x509 -in "$stem.pem" -noout -subject -nameopt utf8,sep_comma_plus)"
}

# director <stem> <serial> <O> <INNLE> <OGRN> <CN> <SN> <GN> <L> <INN prefix> <SNILS prefix> <ext>
organisation_person() {
  local inn snils
  inn=$(inn12 "${10}"); snils=$(snils "${11}")
  issue "$1" "$2" "${12}" \
    "/C=RU/O=$3/CN=$6/SN=$7/GN=$8/L=$9/INN=$inn/OGRN=$5/SNILS=$snils/INNLE=$4"
}
# personal <stem> <serial> <CN> <SN> <GN> <L> <INN prefix> <SNILS prefix>
personal() {
  local inn snils
  inn=$(inn12 "$7"); snils=$(snils "$8")
  issue "$1" "$2" v3_qualified "/C=RU/CN=$3/SN=$4/GN=$5/L=$6/INN=$inn/SNILS=$snils"
}

organisation_person director-romashka 2010 "$ROMASHKA_O" "$ROMASHKA_INNLE" "$ROMASHKA_OGRN" \
  'Смирнов Пётр Алексеевич' 'Смирнов' 'Пётр Алексеевич' 'Москва' 7703123456 123456789 v3_qualified
organisation_person director-vasilek 2011 "$VASILEK_O" "$VASILEK_INNLE" "$VASILEK_OGRN" \
  'Кузнецова Мария Игоревна' 'Кузнецова' 'Мария Игоревна' 'Казань' 5003123456 234567891 v3_qualified
personal clerk-romashka 2012 'Соколова Ольга Дмитриевна' 'Соколова' 'Ольга Дмитриевна' 'Москва' \
  7705234567 345678912
personal helper-vasilek 2013 'Новиков Алексей Петрович' 'Новиков' 'Алексей Петрович' 'Казань' \
  5006345678 456789123
personal watcher-romashka 2014 'Морозов Игорь Сергеевич' 'Морозов' 'Игорь Сергеевич' 'Москва' \
  7708456789 567891234
organisation_person deputy-romashka 2015 "$ROMASHKA_O" "$ROMASHKA_INNLE" "$ROMASHKA_OGRN" \
  'Волков Сергей Николаевич' 'Волков' 'Сергей Николаевич' 'Москва' 7709567891 678912345 v3_plain
personal stranger 2016 'Лебедев Антон Викторович' 'Лебедев' 'Антон Викторович' 'Тверь' \
  7710678912 789123456

for stem in director-romashka director-vasilek; do
  openssl pkcs12 -export -inkey "$stem.key.pem" -in "$stem.pem" -certfile "$PKI/chain.pem" \
    -name "$stem" -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -iter 2048 \
    -passout "pass:$PASSWORD" -out "$stem.p12"
  chmod 644 "$stem.p12"
done
echo "== member certificates issued and verified against ../pki"
