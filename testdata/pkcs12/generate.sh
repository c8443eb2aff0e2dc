#!/usr/bin/env bash
# Regenerates the PKCS#12 (and encrypted PKCS#8) test files in this directory from the test PKI
# in ../pki/ (its keys and certificates are not touched).
#
#   bash testdata/pkcs12/generate.sh
#
# Uses only the `openssl` CLI (written against OpenSSL 3.0.x; the legacy provider must be
# available for RC2, RC4 and PBES1) plus coreutils and iconv. Every run wipes this directory's
# *.p12, *.pk8 and openssl-info.txt (never the vendored cryptography-vectors/, bouncycastle/,
# rfc9579/ or vendored.sha256) and makes new files with new salts, so tests must not depend on
# the bytes. It writes `openssl pkcs12 -info` of every file to openssl-info.txt and exits
# non-zero if generation or a check fails. The files are described in testdata/README.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
PKI=../pki
PASSWORD="$(cat "$PKI/PASSWORD")"      # signflow-test
NONASCII='пароль-тест'                 # UTF-8; Cyrillic outside Latin-1
# The same password as OpenSSL < 1.1.0 and other byte-oriented tools encoded it: each UTF-8 byte
# taken as one Latin-1 character. OpenSSL 3 writes a file with this password whose BMPString
# equals the "bytes as characters" form of 'пароль'. The reader must find it from 'пароль'.
LATIN1_OF_PAROL="$(printf '%s' 'пароль' | iconv -f latin1 -t utf-8)"
ITER=2048

echo "== $(openssl version)"
openssl list -cipher-algorithms -provider legacy | grep -q 'RC2-40-CBC' \
  || { echo "OpenSSL legacy provider (RC2-40) not available" >&2; exit 1; }

rm -f -- ./*.p12 ./*.pk8 openssl-info.txt

# p12 <out> <password> <leaf stem or -> <certfile or -> [extra openssl pkcs12 -export options...]
p12() {
  local out="$1" pass="$2" leaf="$3" certfile="$4"; shift 4
  local -a args=(-export -iter "$ITER" -passout "pass:$pass" -out "$out")
  if [[ "$leaf" != - ]]; then
    args+=(-inkey "$PKI/$leaf.key.pem" -in "$PKI/$leaf.pem" -name "$leaf")
  fi
  [[ "$certfile" != - ]] && args+=(-certfile "$certfile")
  openssl pkcs12 "${args[@]}" "$@"
}

TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-p12.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
# Root, an unrelated certificate, then the intermediate: the reader must order the chain itself
# and leave the unrelated certificate out of it.
cat "$PKI/root-ca.pem" "$PKI/leaf-ed25519.pem" "$PKI/intermediate-ca.pem" > "$TMP/unordered.pem"

echo "== PKCS#12"
# OpenSSL 3 defaults (PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC, MAC HMAC-SHA256).
p12 default.p12 "$PASSWORD" leaf-rsa "$PKI/chain.pem"
# -legacy: certificates pbeWithSHA1And40BitRC2-CBC, key pbeWithSHA1And3-KeyTripleDES-CBC, MAC SHA-1.
p12 legacy.p12 "$PASSWORD" leaf-ecdsa-p256 "$PKI/chain.pem" -legacy
# No MAC. OpenSSL 3.0 leaves the certificates unencrypted with -nomac unless -certpbe is given.
p12 nomac.p12 "$PASSWORD" leaf-ed25519 "$PKI/chain.pem" -nomac -certpbe AES-256-CBC -keypbe AES-256-CBC
# Non-ASCII password: UTF-8 for PBKDF2, BMPString (UTF-16BE) for the MAC and the legacy PBEs.
p12 nonascii-password.p12 "$NONASCII" leaf-rsa "$PKI/chain.pem"
p12 nonascii-password-legacy.p12 "$NONASCII" leaf-rsa "$PKI/chain.pem" -legacy
# Old tools' "each byte is a character" encoding of a non-ASCII password (opened with 'пароль').
p12 latin1-password-legacy.p12 "$LATIN1_OF_PAROL" leaf-rsa "$PKI/chain.pem" -legacy
# PBES2 with AES-128/192 and DES-EDE3 (PBKDF2-HMAC-SHA256; the CLI offers no other PRF) and the
# MAC digests SHA-1, SHA-224, SHA-384 and SHA-512.
p12 pbes2-aes128-sha1mac.p12 "$PASSWORD" leaf-ecdsa-p256 "$PKI/chain.pem" \
  -keypbe AES-128-CBC -certpbe AES-128-CBC -macalg sha1
p12 pbes2-aes128-sha512mac.p12 "$PASSWORD" leaf-rsa "$PKI/chain.pem" \
  -keypbe AES-128-CBC -certpbe AES-128-CBC -macalg sha512
p12 pbes2-aes192-sha384mac.p12 "$PASSWORD" leaf-ed25519 "$PKI/chain.pem" \
  -keypbe AES-192-CBC -certpbe AES-192-CBC -macalg sha384
p12 pbes2-des-ede3-sha224mac.p12 "$PASSWORD" leaf-rsa "$PKI/chain.pem" \
  -keypbe DES-EDE3-CBC -certpbe DES-EDE3-CBC -macalg sha224
# The RFC 7292 PBEs beyond -legacy's pair.
p12 3des.p12 "$PASSWORD" leaf-rsa "$PKI/chain.pem" -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES
p12 2des.p12 "$PASSWORD" leaf-ecdsa-p256 "$PKI/chain.pem" -legacy \
  -keypbe PBE-SHA1-2DES -certpbe PBE-SHA1-2DES
p12 rc2-128.p12 "$PASSWORD" leaf-rsa "$PKI/chain.pem" -legacy -certpbe PBE-SHA1-RC2-128
# Unsupported: the key under pbeWithSHAAnd128BitRC4.
p12 rc4-key.p12 "$PASSWORD" leaf-rsa "$PKI/chain.pem" -legacy -keypbe PBE-SHA1-RC4-128
# Nothing encrypted (keyBag, plain certificate bags), MAC only.
p12 unencrypted.p12 "$PASSWORD" leaf-ed25519 "$PKI/chain.pem" -keypbe NONE -certpbe NONE
# Nothing encrypted and no MAC: every byte reaches the parser whatever the password (for the
# mutation test).
p12 plain-nomac.p12 "$PASSWORD" leaf-ecdsa-p256 "$PKI/chain.pem" -nomac -keypbe NONE -certpbe NONE
# Key only; certificates only.
openssl pkcs12 -export -nocerts -inkey "$PKI/leaf-rsa.key.pem" -name leaf-rsa -iter "$ITER" \
  -passout "pass:$PASSWORD" -out key-only.p12
openssl pkcs12 -export -nokeys -in "$PKI/leaf-rsa.pem" -certfile "$PKI/chain.pem" -iter "$ITER" \
  -passout "pass:$PASSWORD" -out certs-only.p12
# Chain certificates out of order plus one unrelated certificate.
p12 chain-unordered.p12 "$PASSWORD" leaf-ecdsa-p256 "$TMP/unordered.pem"
# MAC iteration count 20,000,000: above the reader's bound of 10,000,000 (nothing encrypted, so
# OpenSSL only spends the MAC's iterations on it: about two seconds).
ITER=20000000 p12 huge-iterations.p12 "$PASSWORD" leaf-rsa - -keypbe NONE -certpbe NONE
# The first half of default.p12.
head -c "$(( $(stat -c %s default.p12) / 2 ))" default.p12 > truncated.p12

echo "== encrypted PKCS#8 (EncryptedPrivateKeyInfo, the content of a pkcs8ShroudedKeyBag)"
pk8() { # pk8 <out> <openssl pkcs8 options...>
  local out="$1"; shift
  openssl pkcs8 -topk8 -provider legacy -provider default -in "$PKI/leaf-rsa.key.pem" \
    -iter "$ITER" -passout "pass:$PASSWORD" -outform DER -out "$out" "$@"
}
pk8 pbes2-sha1-aes128.pk8 -v2 aes-128-cbc -v2prf hmacWithSHA1
pk8 pbes2-sha224-aes192.pk8 -v2 aes-192-cbc -v2prf hmacWithSHA224
pk8 pbes2-sha256-aes256.pk8 -v2 aes-256-cbc -v2prf hmacWithSHA256
pk8 pbes2-sha384-aes256.pk8 -v2 aes-256-cbc -v2prf hmacWithSHA384
pk8 pbes2-sha512-aes256.pk8 -v2 aes-256-cbc -v2prf hmacWithSHA512
pk8 pbes2-sha1-des-ede3.pk8 -v2 des3 -v2prf hmacWithSHA1
pk8 pbe-sha1-3des.pk8 -v1 PBE-SHA1-3DES
pk8 pbe-sha1-2des.pk8 -v1 PBE-SHA1-2DES
pk8 pbe-sha1-rc2-40.pk8 -v1 PBE-SHA1-RC2-40
pk8 pbe-sha1-rc2-128.pk8 -v1 PBE-SHA1-RC2-128
pk8 pbes2-scrypt-aes256.pk8 -scrypt          # unsupported: scrypt
pk8 pbes1-md5-des.pk8 -v1 PBE-MD5-DES        # unsupported: PKCS#5 v1.5 PBES1

chmod 644 -- ./*.p12 ./*.pk8

echo "== checks"
status=0
pass_of() {
  case "$1" in
    nonascii-*) printf '%s' "$NONASCII" ;;
    latin1-*) printf '%s' "$LATIN1_OF_PAROL" ;;
    *) printf '%s' "$PASSWORD" ;;
  esac
}
{
  echo "# openssl pkcs12 -info -noout (-legacy) for each file, written by generate.sh"
  echo "# $(openssl version)"
} > openssl-info.txt
for f in *.p12; do
  [[ "$f" == truncated.p12 || "$f" == huge-iterations.p12 ]] && continue
  if ! info=$(openssl pkcs12 -legacy -info -noout -in "$f" -passin "pass:$(pass_of "$f")" 2>&1); then
    echo "FAIL $f: $info" >&2; status=1; continue
  fi
  { echo; echo "## $f"; grep -v '^$' <<<"$info"; } >> openssl-info.txt
  printf 'ok   %-32s %s\n' "$f" \
    "$(grep -E '^(MAC|Shrouded Keybag|Key bag|PKCS7 Encrypted data)' <<<"$info" \
       | sed 's/, Iteration/ iter/' | paste -sd';' -)"
done
# The truncated copy must not parse; the huge count must be what the file says.
if openssl pkcs12 -info -noout -in truncated.p12 -passin "pass:$PASSWORD" >/dev/null 2>&1; then
  echo "FAIL truncated.p12 parses" >&2; status=1
else
  echo "ok   truncated.p12                    rejected by openssl"
fi
openssl asn1parse -inform DER -in huge-iterations.p12 | tail -n 1 | grep -q ':01312D00' \
  || { echo "FAIL huge-iterations.p12: MAC iteration count is not 20000000" >&2; status=1; }
echo "ok   huge-iterations.p12              MAC iterations 20000000"
for f in *.pk8; do
  case "$f" in pbes1-*) continue ;; esac
  openssl pkcs8 -provider legacy -provider default -inform DER -in "$f" \
    -passin "pass:$PASSWORD" -out /dev/null 2>/dev/null \
    || { echo "FAIL $f does not decrypt" >&2; status=1; continue; }
  echo "ok   $f"
done
exit "$status"
