#!/usr/bin/env bash
# Issue #18, XMLDSig part: runs a signflow CLI on the hostile XML inputs and prints, per input,
# the exit status, wall time and peak RSS (GNU time -v), each run bounded to 20 s and 4 GiB of
# address space.
#
#   bash benches/hardening-xml.sh SIGNFLOW_BINARY DIR
#
# DIR holds the inputs, written by
#   SIGNFLOW_HARDENING_OUT=DIR cargo test --features cli --test hardening_xml -- --ignored write_attack_inputs
set -uo pipefail
bin=$(realpath "$1")
dir=$(realpath "$2")
pki=$(realpath "$(dirname "$0")/../testdata/pki")
trust=(--trust "$pki/root-ca.pem" --untrusted "$pki/intermediate-ca.pem"
  --crl "$pki/root-ca.crl.pem" --crl "$pki/intermediate-ca.crl.pem")
at=(--at 2027-01-01T00:00:00Z)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# shellcheck source=bounded-run.sh
source "$(dirname "$0")/bounded-run.sh"

cd "$dir" || exit 74
for f in xpath-compare-300 xpath-compare-1000 xpath-string-10000 xpath-64-transforms \
  xpath-unsigned c14n-ns-25x250 c14n-ns-50x250 c14n-ns-100x250 nodes-8m; do
  run "verify xml $f.xml" "$bin" verify xml "$f.xml" "${trust[@]}" "${at[@]}"
done
for c14n in inc exc; do
  run "sign xml --c14n $c14n plain-ns-200x250.xml" "$bin" sign xml plain-ns-200x250.xml \
    -o "$out/signed.xml" --key "$pki/leaf-rsa.key.pem" --cert "$pki/leaf-rsa.pem" --c14n "$c14n"
done
