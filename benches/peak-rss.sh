#!/usr/bin/env bash
# Peak resident memory and wall time of one XMLDSig verification as a whole process: the release
# `signflow verify xml` beside `xmlsec1 --verify`, on the same files and with the same arguments
# as benches/xmldsig.rs (functions `signflow-cli` and `xmlsec1`). Not run by CI.
#
# Needs: the release CLI (`cargo build --release --features cli`, or $SIGNFLOW_BIN), xmlsec1 and
# GNU time (/usr/bin/time) on the machine, and the bench documents
# target/bench-data/xmldsig-{1MiB,20MiB}-crls.xml, which `cargo bench --bench xmldsig` writes
# (run it once, e.g. with `-- --warm-up-time 1 --measurement-time 1`), or $BENCH_DATA.
#
# Usage: bash benches/peak-rss.sh [RUNS]   (default 5 runs per row; medians printed)
# Output: a Markdown table, peak RSS in MB (10^6 bytes; GNU time's maximum resident set size)
# and wall time in ms (µs internally), each the median of RUNS runs, and signflow / xmlsec1 for both. Every run
# must exit 0 (a valid signature), or the script stops.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-5}
BIN=${SIGNFLOW_BIN:-${CARGO_TARGET_DIR:-target}/release/signflow}
DATA=${BENCH_DATA:-${CARGO_TARGET_DIR:-target}/bench-data}
PKI=testdata/pki
TMP=$(mktemp -d /tmp/peak-rss.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

[ -x "$BIN" ] || { echo "$BIN not found: cargo build --release --features cli" >&2; exit 1; }
command -v xmlsec1 >/dev/null || { echo "xmlsec1 not found" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) not found" >&2; exit 1; }

# The argument vectors of benches/xmldsig.rs, for FILE.
signflow_cmd() {
  cmd=("$BIN" verify xml "$1" --trust "$PKI/root-ca.pem" --untrusted "$PKI/intermediate-ca.pem"
    --crl "$PKI/root-ca.crl.pem" --crl "$PKI/intermediate-ca.crl.pem"
    --at 2027-01-01T00:00:00Z)
}
xmlsec1_cmd() {
  cmd=(xmlsec1 --verify --trusted-pem "$PKI/root-ca.pem" --trusted-pem "$PKI/intermediate-ca.pem"
    --verification-gmt-time "2027-01-01 00:00:00" "$1")
}

# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# measure TOOL FILE: prints "peak_kB wall_ms", medians of RUNS runs each. Peak RSS from GNU
# time (KiB); wall time measured apart, without GNU time in between (its resolution is 10 ms).
measure() {
  local tool=$1 file=$2 i t0 t1
  "${tool}_cmd" "$file"
  : >"$TMP/kb"; : >"$TMP/ms"
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%M" -o "$TMP/t" "${cmd[@]}" >/dev/null 2>&1 \
      || { echo "$tool failed on $file" >&2; exit 1; }
    cat "$TMP/t" >>"$TMP/kb"
    t0=$(date +%s%N)
    "${cmd[@]}" >/dev/null 2>&1 || { echo "$tool failed on $file" >&2; exit 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000)) >>"$TMP/ms"
  done
  echo "$(median <"$TMP/kb") $(median <"$TMP/ms")"
}

echo "| document | signflow peak RSS | xmlsec1 peak RSS | RSS ratio | signflow time | xmlsec1 time | time ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for size in 1MiB 20MiB; do
  file=$DATA/xmldsig-$size-crls.xml
  [ -f "$file" ] || { echo "$file not found: run cargo bench --bench xmldsig once" >&2; exit 1; }
  read -r s_kb s_ms < <(measure signflow "$file")
  read -r x_kb x_ms < <(measure xmlsec1 "$file")
  [ -n "${s_kb:-}" ] && [ -n "${x_kb:-}" ] || exit 1
  awk -v n="$size" -v sk="$s_kb" -v xk="$x_kb" -v sm="$s_ms" -v xm="$x_ms" 'BEGIN {
    printf "| %s | %.1f MB | %.1f MB | %.2f× | %.1f ms | %.1f ms | %.2f× |\n",
      n, sk * 1.024 / 1000, xk * 1.024 / 1000, sk / xk, sm / 1000, xm / 1000, sm / xm }'
done
