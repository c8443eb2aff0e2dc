#!/usr/bin/env bash
# Signatures made by the openssl CLI over message.txt with the test PKI's keys, so that the
# tests verify OpenSSL's output without needing OpenSSL. Re-run: bash testdata/openssl/generate.sh
# (signatures change on every run for RSA-PSS and ECDSA; tests derive nothing from their bytes).
set -euo pipefail
cd "$(dirname "$0")"
pki=../pki
printf 'Act of acceptance no. 17, Moscow, 2026-11-23.\n' > message.txt
for h in sha256 sha384 sha512; do
  openssl dgst -"$h" -sign "$pki/leaf-rsa.key.pem" -out "rsa-pkcs1-$h.sig" message.txt
  openssl dgst -"$h" -sign "$pki/leaf-rsa.key.pem" -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:"$h" -out "rsa-pss-$h.sig" message.txt
done
openssl dgst -sha256 -sign "$pki/leaf-ecdsa-p256.key.pem" -out ecdsa-p256-sha256.sig message.txt
openssl dgst -sha384 -sign "$pki/intermediate-ca.key.pem" -out ecdsa-p384-sha384.sig message.txt
openssl pkeyutl -sign -rawin -inkey "$pki/leaf-ed25519.key.pem" -in message.txt -out ed25519.sig
openssl version > OPENSSL_VERSION
echo "signatures written to $(pwd)"
