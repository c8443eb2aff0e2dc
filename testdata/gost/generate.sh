#!/usr/bin/env bash
# GOST keys, self-signed certificates and signatures made by OpenSSL with the GOST engine, so
# that tests/gost.rs checks signflow's native GOST code against OpenSSL's without needing
# OpenSSL or the engine at test time.
#
# Needs: openssl 3 and the GOST engine (Debian: apt-get install libengine-gost-openssl).
# Re-run: bash testdata/gost/generate.sh — every run makes new keys and signatures; the tests
# derive nothing from their bytes, only from their relations (the key in the certificate
# signed it, the signature verifies, ...).
#
# Outputs, for each parameter set NAME (the engine's -pkeyopt paramset: names):
#   gost2012_256-NAME.key.pem   PKCS#8 private key as the engine writes it (raw little-endian d)
#   gost2012_256-NAME.pub.pem   its SubjectPublicKeyInfo
#   gost2012_256-NAME.cert.pem  self-signed certificate (id-tc26-signwithdigest-gost3410-12-256)
#   gost2012_256-NAME.sig       `openssl dgst -md_gost12_256 -sign` over message.txt
# and the same for gost2012_512-{A,B,C} with Streebog-512, plus:
#   gost2012_256-A.key-wrapped.pem  the A key re-exported with GOST_PK_FORMAT=LEGACY_PK_WRAP
#                                   (privateKey = DER OCTET STRING of the little-endian d)
#   gost2001-A.{key,pub}.pem, gost2001-A.sig   a GOST R 34.10-2001 key and a GOST R 34.11-94
#                                   signature (legacy verification from a precomputed digest)
#   message.txt, message.{streebog256,streebog512,gost94}.bin   the message and its digests
#                                   as `openssl dgst -binary` writes them
#   OPENSSL_VERSION                 versions of openssl and of the engine package
set -euo pipefail
cd "$(dirname "$0")"

eng=(-engine gost)
quiet() { "$@" 2> >(grep -Ev '^(Engine "gost" set\.|-----)$' >&2); }

rm -f ./*.pem ./*.sig ./*.bin message.txt OPENSSL_VERSION
printf 'Act of acceptance no. 17, Moscow, 2026-11-23. GOST R 34.10-2012.\n' > message.txt

quiet openssl dgst "${eng[@]}" -md_gost12_256 -binary -out message.streebog256.bin message.txt
quiet openssl dgst "${eng[@]}" -md_gost12_512 -binary -out message.streebog512.bin message.txt
quiet openssl dgst "${eng[@]}" -md_gost94 -binary -out message.gost94.bin message.txt

make_set() { # algorithm paramset digest
  local alg=$1 ps=$2 md=$3 name="$1-$2"
  quiet openssl req "${eng[@]}" -x509 -newkey "$alg" -pkeyopt "paramset:$ps" -nodes \
    -keyout "$name.key.pem" -out "$name.cert.pem" -"$md" -days 36500 \
    -subj "/C=RU/O=Signflow Test PKI/CN=GOST $alg paramset $ps" \
    -set_serial 1 -addext basicConstraints=critical,CA:TRUE
  quiet openssl pkey "${eng[@]}" -in "$name.key.pem" -pubout -out "$name.pub.pem"
  quiet openssl dgst "${eng[@]}" -"$md" -sign "$name.key.pem" -out "$name.sig" message.txt
  # Self-checks: OpenSSL verifies its own outputs.
  quiet openssl dgst "${eng[@]}" -"$md" -verify "$name.pub.pem" -signature "$name.sig" \
    message.txt >/dev/null
  quiet openssl verify "${eng[@]}" -CAfile "$name.cert.pem" "$name.cert.pem" >/dev/null
  # The certificate holds the key that signed it.
  cmp <(quiet openssl x509 "${eng[@]}" -in "$name.cert.pem" -pubkey -noout) "$name.pub.pem"
  echo "$name: key, certificate and signature written and checked"
}

for ps in 0 A B C XA XB TCA TCB TCC TCD; do make_set gost2012_256 "$ps" md_gost12_256; done
for ps in A B C; do make_set gost2012_512 "$ps" md_gost12_512; done

GOST_PK_FORMAT=LEGACY_PK_WRAP quiet openssl pkey "${eng[@]}" \
  -in gost2012_256-A.key.pem -out gost2012_256-A.key-wrapped.pem
cmp <(quiet openssl pkey "${eng[@]}" -in gost2012_256-A.key-wrapped.pem -pubout) \
  gost2012_256-A.pub.pem

quiet openssl genpkey "${eng[@]}" -algorithm gost2001 -pkeyopt paramset:A -out gost2001-A.key.pem
quiet openssl pkey "${eng[@]}" -in gost2001-A.key.pem -pubout -out gost2001-A.pub.pem
quiet openssl dgst "${eng[@]}" -md_gost94 -sign gost2001-A.key.pem -out gost2001-A.sig message.txt
quiet openssl dgst "${eng[@]}" -md_gost94 -verify gost2001-A.pub.pem -signature gost2001-A.sig \
  message.txt >/dev/null

{
  openssl version
  dpkg-query -W -f='libengine-gost-openssl ${Version}\n' libengine-gost-openssl 2>/dev/null ||
    echo "libengine-gost-openssl (version unknown)"
} > OPENSSL_VERSION
echo "GOST test data written to $(pwd)"
