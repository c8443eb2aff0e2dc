#!/usr/bin/env bash
# Makes revoked-later.xl1.p7s: OpenSSL's CAdES-BES revoked-later.p7s (generate.sh) extended to
# CAdES-X Long Type 1 by `signflow cades extend --to xl1` — a signature time-stamp and a CAdES-C
# time-stamp from `signflow tsa serve` on loopback (../tsp's TSA key), the test PKI's chain
# and CRLs as certificate-values and revocation-values. Run it right after generate.sh (the
# signer is revoked 30 days after that run: after the signature time-stamp made here, which
# is what the tests check offline).
#
#   bash testdata/cades/generate-xl1.sh        (needs cargo; builds signflow with the network
#                                                feature)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$(cd ../.. && pwd)
cargo build --quiet --manifest-path "$ROOT/Cargo.toml" --features cli,network --bin signflow
SIGNFLOW="${CARGO_TARGET_DIR:-$ROOT/target}/debug/signflow"

OUT=$(mktemp "${TMPDIR:-/tmp}/signflow-tsa.XXXXXX")
"$SIGNFLOW" --json tsa serve --listen 127.0.0.1:0 --max-requests 2 --policy 1.2.3.4.1 \
  --key ../tsp/tsa.key.pem --cert ../tsp/tsa.pem --chain ../pki/intermediate-ca.pem > "$OUT" &
TSA=$!
trap 'kill "$TSA" 2> /dev/null || true; rm -f "$OUT"' EXIT
for _ in $(seq 50); do grep -q url "$OUT" && break; sleep 0.1; done
URL=$(sed -E 's/.*"url":"([^"]*)".*/\1/' "$OUT")

"$SIGNFLOW" cades extend revoked-later.p7s --content data.txt --to xl1 --tsa "$URL" \
  --trust ../pki/root-ca.pem --untrusted ../pki/intermediate-ca.pem \
  --crl ../pki/root-ca.crl.pem --crl intermediate-ca.crl.pem -o revoked-later.xl1.p7s
wait "$TSA"

# Self-check: OpenSSL still verifies the signature.
cat ../pki/intermediate-ca.pem ../pki/root-ca.pem > "$OUT.chain"
openssl cms -verify -binary -inform DER -in revoked-later.xl1.p7s -content data.txt \
  -CAfile "$OUT.chain" -purpose any > /dev/null 2>&1 \
  || { echo "openssl cms -verify failed on revoked-later.xl1.p7s" >&2; exit 1; }
rm -f "$OUT.chain"
echo "   ok  revoked-later.xl1.p7s (openssl cms -verify)"
