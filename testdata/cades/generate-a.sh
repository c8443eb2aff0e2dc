#!/usr/bin/env bash
# Makes revoked-later.a.p7s: the committed CAdES-X Long Type 1 revoked-later.xl1.p7s
# (generate-xl1.sh) archived to CAdES-A by `signflow cades extend --to a` — an
# archive-time-stamp-v3 (ETSI EN 319 122-1 §5.5.3, with its ats-hash-index-v3) from
# `signflow tsa serve` on loopback (../tsp's TSA key), verified first with nothing but the
# root: the X-L1 carries its own validation data. Run it after generate-xl1.sh.
#
#   bash testdata/cades/generate-a.sh          (needs cargo; builds signflow with the network
#                                                feature)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$(cd ../.. && pwd)
cargo build --quiet --manifest-path "$ROOT/Cargo.toml" --features cli,network --bin signflow
SIGNFLOW="${CARGO_TARGET_DIR:-$ROOT/target}/debug/signflow"

OUT=$(mktemp "${TMPDIR:-/tmp}/signflow-tsa.XXXXXX")
"$SIGNFLOW" --json tsa serve --listen 127.0.0.1:0 --max-requests 1 --policy 1.2.3.4.1 \
  --key ../tsp/tsa.key.pem --cert ../tsp/tsa.pem --chain ../pki/intermediate-ca.pem > "$OUT" &
TSA=$!
trap 'kill "$TSA" 2> /dev/null || true; rm -f "$OUT"' EXIT
for _ in $(seq 50); do grep -q url "$OUT" && break; sleep 0.1; done
URL=$(sed -E 's/.*"url":"([^"]*)".*/\1/' "$OUT")

"$SIGNFLOW" cades extend revoked-later.xl1.p7s --content data.txt --to a --tsa "$URL" \
  --trust ../pki/root-ca.pem -o revoked-later.a.p7s
wait "$TSA"

# Self-checks: OpenSSL still verifies the signature; signflow reports CAdES-A offline.
cat ../pki/intermediate-ca.pem ../pki/root-ca.pem > "$OUT.chain"
openssl cms -verify -binary -inform DER -in revoked-later.a.p7s -content data.txt \
  -CAfile "$OUT.chain" -purpose any > /dev/null 2>&1 \
  || { echo "openssl cms -verify failed on revoked-later.a.p7s" >&2; exit 1; }
rm -f "$OUT.chain"
"$SIGNFLOW" --json verify cms revoked-later.a.p7s --content data.txt --trust ../pki/root-ca.pem \
  | grep -q '"level":"CAdES-A"' \
  || { echo "signflow does not report CAdES-A for revoked-later.a.p7s" >&2; exit 1; }
echo "   ok  revoked-later.a.p7s (openssl cms -verify; signflow: CAdES-A)"
