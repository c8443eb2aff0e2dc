#!/usr/bin/env bash
# Seeds every fuzz target's corpus from testdata/ and runs targets one after the other.
# Usage (from anywhere): bash fuzz/run.sh [SECONDS [TARGET...]]
#   SECONDS  per target (default: $FUZZ_SECONDS, else 30); TARGETs default to all of them.
# .ci/run uses the short default; the 10-minute runs reported in benches/README.md are
# `bash fuzz/run.sh 600`.
# On a crash: the end of libFuzzer's report (the panic and the input's file under
# fuzz/artifacts/TARGET/) and exit status 1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${FUZZ_SECONDS:-30}}
shift || true

seed() { # target, files...: the target's seed corpus from testdata/
  local t=$1; shift; mkdir -p "fuzz/corpus/$t"; cp "$@" "fuzz/corpus/$t/" 2>/dev/null || true
}
seed pem_objects testdata/pki/*.pem
# pem_objects also reads bare base64 (CryptoPro's CMS files): the CMS test files as such.
for f in testdata/cms/*.der; do
  base64 -w 76 "$f" >"fuzz/corpus/pem_objects/$(basename "$f").b64"
done
seed crypto_inputs testdata/openssl/*.sig
seed pki_parsing testdata/pki/*.der testdata/pki/*.crl.der testdata/pkits/certs/GoodCACert.crt \
  testdata/pkits/crls/GoodCACRL.crl
seed pkcs12_import testdata/pki/*.p12
# pkcs12_gost: the first byte picks the password (even: the engine files', odd: the RFC's).
mkdir -p fuzz/corpus/pkcs12_gost
for f in testdata/gost-pkcs12/*.p12; do
  { printf '\0'; cat "$f"; } >"fuzz/corpus/pkcs12_gost/$(basename "$f")"
done
for f in testdata/gost-pkcs12/vectors/*.p12; do
  { printf '\1'; cat "$f"; } >"fuzz/corpus/pkcs12_gost/$(basename "$f")"
done
seed cms_verify testdata/cms/*.der testdata/cades/*.p7s
seed cades_long_term testdata/cades/*.p7s
seed tsp_parse testdata/tsp/*.tst testdata/tsp/*.tsr
seed ocsp_parse testdata/ocsp/*.der
# p7c_certs: the .p7c the online tests serve, and CMS messages (SignedData with certificates).
seed p7c_certs testdata/online/int.p7c testdata/cms/*.der
seed pdf_signatures testdata/pdf/*.pdf
# checkpoint_json: one checkpoint as `Checkpoint::to_json` writes it (signed and unsigned).
mkdir -p fuzz/corpus/checkpoint_json
printf '{\n  "format": "signflow-checkpoint-v1",\n  "tree_size": 3,\n  "root_hash": "%s",\n  "timestamp": 1765000000\n}' \
  "$(printf '%064d' 0)" >fuzz/corpus/checkpoint_json/unsigned.json
printf '{\n  "format": "signflow-checkpoint-v1",\n  "tree_size": 3,\n  "root_hash": "%s",\n  "timestamp": 1765000000,\n  "signature": "MAA="\n}' \
  "$(printf '%064d' 0)" >fuzz/corpus/checkpoint_json/signed.json
# crl_lookup: CRLs as they are, and any non-DER bytes as a recipe for a CRL it builds itself.
seed crl_lookup testdata/pki/*.crl.der testdata/pkits/crls/*.crl testdata/cms/content.txt
seed xml_c14n testdata/xmldsig/*.xml testdata/xmldsig/c14n/*/*.xml testdata/xmldsig/xmlsec/*/*.xml
# xml_c14n also decodes (windows-1251, KOI8-R, UTF-16, ISO-8859-5) and applies the SMEV transform.
seed xml_c14n testdata/xmldsig/encodings/*.xml testdata/xmldsig/smev/*.xml
# mchd_parse: the МЧД files (UTF-8 and windows-1251) and a revocation list.
seed mchd_parse testdata/mchd/*.xml testdata/mchd/revoked.txt
seed xmldsig_verify testdata/xmldsig/*.xml testdata/xmldsig/c14n/*/*.xml \
  testdata/xmldsig/xmlsec/*/*.xml testdata/xades/*.xml \
  testdata/xmldsig/wss/*.xml
# gost_verify reads SubjectPublicKeyInfo DER ‖ signature ‖ message: the GOST engine's keys with
# their signatures over message.txt.
mkdir -p fuzz/corpus/gost_verify
for pub in testdata/gost/*.pub.pem; do
  stem=${pub%.pub.pem}
  { sed '/-----/d' "$pub" | base64 -d; cat "$stem.sig" testdata/gost/message.txt; } \
    >"fuzz/corpus/gost_verify/$(basename "$stem")"
done
# crypto_inputs reads [alg_len][AlgorithmIdentifier DER][key_len, 2 bytes][SPKI DER][signature]:
# the verify-only context schemes' keys from the xmlsec suite, each with a signature of its
# length (zeros), so that their decoders are reached from the start.
hex() { perl -e 'print pack("H*", $ARGV[0])' "$1"; }
crypto_seed() { # name, AlgorithmIdentifier hex, SPKI DER file, signature length
  {
    hex "$(printf '%02x' $((${#2} / 2)))"
    hex "$2"
    hex "$(printf '%04x' "$(wc -c <"$3")")"
    cat "$3"
    head -c "$4" /dev/zero
  } >"fuzz/corpus/crypto_inputs/$1"
}
keys=testdata/xmldsig/xmlsec/keys
crypto_seed ed448 300506032b6571 "$keys/eddsa/eddsa-ed448-pubkey.der" 114
crypto_seed ml-dsa-44 300b0609608648016503040311 "$keys/ml-dsa/ml-dsa-44-pubkey.der" 2420
crypto_seed slh-dsa-sha2-128f 300b0609608648016503040315 \
  "$keys/slh-dsa/slh-dsa-sha2-128f-pubkey.der" 17088
# inspect_sniff: every kind inspect names, PEM and DER (BER CMS included), and XML.
seed inspect_sniff testdata/pki/*.pem testdata/pki/*.der testdata/pki/*.p12 testdata/cms/*.der \
  testdata/cms/*.pem testdata/gost/*.pub.pem testdata/gost/*.key.pem testdata/xmldsig/*.xml
# flow_machine decodes its input into commands: any bytes will do as a start.
seed flow_machine testdata/gost/message.txt testdata/cms/content.txt
# tsl_parse: the test accredited-CA lists (well-formed, signed, and with a broken <Данные>).
seed tsl_parse testdata/tsl/tsl.xml testdata/tsl/tsl-malformed.xml testdata/tsl/tsl-signed.xml

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  # Not `mapfile < <(…)`: a failing `cargo fuzz list` (a broken fuzz/Cargo.toml) would then
  # leave the list empty and this script would pass having run nothing.
  listed=$(cd fuzz && cargo fuzz list) || { echo "cargo fuzz list failed"; exit 1; }
  mapfile -t targets <<<"$listed"
fi
if [ ${#targets[@]} -eq 0 ] || [ -z "${targets[0]}" ]; then
  echo "no fuzz targets found"
  exit 1
fi
# An input slower than 25 s counts as a crash.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in "${targets[@]}"; do
  start=$(date +%s)
  if (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- \
    -max_total_time="$seconds" -timeout=25) >"$log" 2>&1; then
    echo "$target: $(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)" \
      "(${seconds} s asked, $(($(date +%s) - start)) s with the build)"
  else
    tail -n 60 "$log"
    echo "fuzz target $target failed"
    exit 1
  fi
done
