#!/usr/bin/env bash
# GOST PKCS#12 files as OpenSSL's GOST engine writes them (tests/pkcs12_gost.rs).
#
#   bash testdata/gost-pkcs12/generate.sh
#
# Needs openssl 3 with the GOST engine (Debian: libengine-gost-openssl). Keys and certificates
# are testdata/gost/ (made by testdata/gost/generate.sh). Every run makes new salts and IVs; the
# tests compare the decrypted contents with testdata/gost/, never bytes of these files.
# Password of every file: signflow-gost (the tests also try a wrong one).
set -euo pipefail
cd "$(dirname "$0")"
G=../gost
PASS=signflow-gost
openssl engine gost -c >/dev/null

export_p12() { # out key cert keypbe certpbe macalg [extra args...]
    local out=$1 key=$2 cert=$3 keypbe=$4 certpbe=$5 mac=$6
    shift 6
    openssl pkcs12 -export -engine gost -inkey "$G/$key.key.pem" -in "$G/$cert.cert.pem" \
        -keypbe "$keypbe" -certpbe "$certpbe" -macalg "$mac" -passout "pass:$PASS" \
        -name "signflow $key" -out "$out" "$@" 2>/dev/null
    echo "$out"
}

# GOST 28147-89 CFB under every S-box parameter set the engine offers (CRYPT_PARAMS picks it),
# PBKDF2-HMAC-Streebog-512 (the engine's choice for gost89), MAC Streebog-512 and -256.
for ps in id-Gost28147-89-CryptoPro-A-ParamSet id-Gost28147-89-CryptoPro-B-ParamSet \
          id-Gost28147-89-CryptoPro-C-ParamSet id-Gost28147-89-CryptoPro-D-ParamSet \
          id-tc26-gost-28147-param-Z; do
    short=${ps#id-Gost28147-89-}; short=${short#id-tc26-gost-28147-}; short=${short%-ParamSet}
    CRYPT_PARAMS=$ps export_p12 "gost89-$short-256.p12" gost2012_256-A gost2012_256-A gost89 gost89 md_gost12_512
    CRYPT_PARAMS=$ps export_p12 "gost89-$short-512.p12" gost2012_512-A gost2012_512-A gost89 gost89 md_gost12_256
done
# A certificate part of about 15 KiB (all test certificates, twice, as extra certs): past the 1 KiB key
# meshing of GOST 28147-89 and the 8 KiB ACPKM section of Magma.
EXTRA=$(mktemp)
trap 'rm -f "$EXTRA"' EXIT
cat "$G"/gost2012_*.cert.pem "$G"/gost2012_*.cert.pem > "$EXTRA"
CRYPT_PARAMS=id-Gost28147-89-CryptoPro-A-ParamSet export_p12 gost89-A-chain.p12 gost2012_256-A gost2012_256-A gost89 gost89 md_gost12_512 -certfile "$EXTRA"

# GOST R 34.12-2015 ciphers (the engine keeps OpenSSL's default PRF, HMAC-SHA256).
for c in kuznyechik-ctr-acpkm magma-ctr-acpkm; do
    export_p12 "$c-256.p12" gost2012_256-A gost2012_256-A "$c" "$c" md_gost12_512
    export_p12 "$c-512.p12" gost2012_512-A gost2012_512-A "$c" "$c" md_gost12_256
    export_p12 "$c-chain.p12" gost2012_256-A gost2012_256-A "$c" "$c" md_gost12_512 -certfile "$EXTRA"
done
# Without a MAC (-nomac): the decryption alone tells a wrong password; also the fuzz seeds that
# reach the GOST decoders (fuzz/run.sh, pkcs12_gost).
CRYPT_PARAMS=id-tc26-gost-28147-param-Z export_p12 gost89-param-Z-nomac.p12 gost2012_256-A gost2012_256-A gost89 gost89 md_gost12_512 -nomac
for c in kuznyechik-ctr-acpkm magma-ctr-acpkm; do
    export_p12 "$c-nomac.p12" gost2012_512-A gost2012_512-A "$c" "$c" md_gost12_512 -nomac
done

# The -omac variants: the engine 3.0.1 on OpenSSL 3.0 writes files that it cannot read back
# itself ("unsupported cipher ctl command"): the KDF seed is not stored (the UKM ends in eight
# zero bytes) and no OMAC tag is appended. Kept to show signflow refuses them as malformed.
for c in kuznyechik-ctr-acpkm-omac magma-ctr-acpkm-omac; do
    export_p12 "$c-256.p12" gost2012_256-A gost2012_256-A "$c" "$c" md_gost12_512
done

# What the engine itself reports for each file (the -omac ones fail, see above).
for f in *.p12; do
    echo "== $f"
    openssl pkcs12 -engine gost -info -noout -in "$f" -passin "pass:$PASS" 2>&1 |
        grep -v '^Engine' | grep -E 'MAC|PBES2|error' | sed 's/^[0-9A-F]*:error:/error:/' | head -4 || true
done > openssl-info.txt
chmod 644 ./*.p12
openssl version > OPENSSL_VERSION
dpkg-query -W libengine-gost-openssl >> OPENSSL_VERSION 2>/dev/null || true
