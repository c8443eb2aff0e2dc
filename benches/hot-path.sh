#!/usr/bin/env bash
# The hot-path table of benches/README.md ("Hot path: one run") in one run: signflow beside
# OpenSSL in-process (the `compare` bench of benches/openssl-baseline) and beside xmlsec1 as whole
# processes (the crate's `xmldsig` bench), then the table (benches/openssl-baseline/table.py).
# Usage: bash benches/hot-path.sh [MEASUREMENT_SECONDS]   (default 3; xmldsig uses 5)
# Needs xmlsec1 on the PATH for the XMLDSig reference column.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}
echo "start: $(date -u '+%F %T') UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"
cargo build --release --features cli
(cd benches/openssl-baseline &&
  cargo bench --bench compare -- --warm-up-time 1 --measurement-time "$seconds" \
    '^(chain-cold/leaf-rsa|chain-cached/leaf-rsa|crl-1m/(parse|lookup)|pkcs12/|cms-verify/)')
cargo bench --bench xmldsig -- --warm-up-time 1 --measurement-time "$((seconds > 5 ? seconds : 5))"
echo "end: $(date -u '+%F %T') UTC, load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 benches/openssl-baseline/table.py --hot-path \
  benches/openssl-baseline/target/criterion target/criterion
