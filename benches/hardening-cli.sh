#!/usr/bin/env bash
# Issue #18, CLI part: runs a signflow CLI on the inputs the issue found and prints, per input,
# the exit status, wall time and peak RSS (GNU time -v); each run bounded to 20 s and 8 GiB of
# address space (/dev/zero grew to 3.5-5.2 GB in 3 s before the input caps).
#
#   bash benches/hardening-cli.sh SIGNFLOW_BINARY
#
# Every input is made here, in a temporary directory: endless (/dev/zero) files for each reader,
# a symlink loop, a FIFO and a device for verify-batch, closed and full standard output, a
# password file that is not UTF-8, a CMS signature given to inspect.
set -uo pipefail
bin=$(realpath "$1")
pki=$(realpath "$(dirname "$0")/../testdata/pki")
cms=$(realpath "$(dirname "$0")/../testdata/cms")
work=$(mktemp -d)
out=$work
trap 'rm -rf "$work"' EXIT
trust=(--trust "$pki/root-ca.pem")
material=(--untrusted "$pki/intermediate-ca.pem" --crl "$pki/root-ca.crl.pem"
  --crl "$pki/intermediate-ca.crl.pem" --at 2027-01-01T00:00:00Z)

BOUND_KB=8388608
# shellcheck source=bounded-run.sh
source "$(dirname "$0")/bounded-run.sh"

z=/dev/zero
run "verify cms /dev/zero" "$bin" verify cms "$z" "${trust[@]}"
run "verify xml /dev/zero" "$bin" verify xml "$z" "${trust[@]}"
run "verify-chain /dev/zero (certificate)" "$bin" verify-chain "$z" "${trust[@]}"
run "verify-chain --crl /dev/zero" "$bin" verify-chain "$pki/leaf-rsa.pem" "${trust[@]}" --crl "$z"
run "sign cms --key /dev/zero" "$bin" sign cms "$cms/content.txt" -o "$work/o" \
  --key "$z" --cert "$pki/leaf-rsa.pem"
run "sign cms --password-file /dev/zero" "$bin" sign cms "$cms/content.txt" -o "$work/o" \
  --p12 "$pki/leaf-rsa.p12" --password-file "$z"
run "sign cms --p12 /dev/zero" "$bin" sign cms "$cms/content.txt" -o "$work/o" \
  --p12 "$z" --password-file "$pki/PASSWORD"

mkdir -p "$work/tree/a"
ln -s .. "$work/tree/a/up"
ln -s ../a "$work/tree/a/loop"
mkfifo "$work/tree/a/fifo"
ln -s /dev/zero "$work/tree/a/zero"
cp "$cms/rsa-attached.der" "$work/tree/a/one.p7s"
run "verify-batch: symlink loops, a FIFO, /dev/zero" "$bin" verify-batch "$work/tree" "${trust[@]}" \
  "${material[@]}"
run "verify-batch --jobs 100000" "$bin" verify-batch "$work/tree" "${trust[@]}" --jobs 100000
run "verify-batch /nonexistent" "$bin" verify-batch /nonexistent "${trust[@]}"

printf 'secret\377\376\n' >"$work/pw"
run "sign cms --password-file (not UTF-8)" "$bin" sign cms "$cms/content.txt" -o "$work/o" \
  --p12 "$pki/leaf-rsa.p12" --password-file "$work/pw"
run "inspect a CMS signature" "$bin" inspect "$cms/rsa-attached.der"
printf '%-52s %s\n' "  (inspect said)" "$(head -c 80 "$work/stdout" | tr '\n' ' ')"

# Closed and full standard output (the issue saw panics, exit 101).
closed() { # label, command...
  local label=$1; shift
  local status
  ( "$@" 2>"$work/err" | head -c 10 >/dev/null; exit "${PIPESTATUS[0]}" )
  status=$?
  printf '%-52s exit %-3s %s\n' "$label | head -c 10" "$status" \
    "$(grep -c panicked "$work/err") panics"
  "$@" >/dev/full 2>"$work/err"
  status=$?
  printf '%-52s exit %-3s %s\n' "$label > /dev/full" "$status" \
    "$(grep -c panicked "$work/err") panics"
}
closed "demo" "$bin" demo
closed "verify-chain" "$bin" verify-chain "$pki/leaf-rsa.pem" "${trust[@]}" "${material[@]}"
closed "inspect" "$bin" inspect "$pki/leaf-rsa.pem"
