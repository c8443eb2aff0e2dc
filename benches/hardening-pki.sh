#!/usr/bin/env bash
# Issue #18, PKI/CMS/PKCS#12 part: runs a signflow CLI on the hostile inputs and prints, per
# input, the exit status, wall time and peak RSS (GNU time -v), each run bounded to 20 s and
# 4 GiB of address space (the policy bomb grew past 6 GB before the fix).
#
#   bash benches/hardening-pki.sh SIGNFLOW_BINARY DIR
#
# DIR holds the inputs, written by
#   SIGNFLOW_HARDENING_OUT=DIR cargo test --all-features --test hardening_pki -- --ignored write_attack_inputs
# plus big-der.p7s: a 200 MiB attached signature by openssl, e.g.
#   head -c 200M /dev/urandom > DIR/big.bin
#   openssl cms -sign -nodetach -binary -in DIR/big.bin -signer testdata/pki/leaf-rsa.pem \
#     -inkey testdata/pki/leaf-rsa.key.pem -certfile testdata/pki/intermediate-ca.pem \
#     -outform DER -out DIR/big-der.p7s
set -uo pipefail
bin=$(realpath "$1")
dir=$(realpath "$2")
pki=$(realpath "$(dirname "$0")/../testdata/pki")
trust=(--trust "$pki/root-ca.pem" --crl "$pki/root-ca.crl.pem" --crl "$pki/intermediate-ca.crl.pem")
at=(--at 2027-01-01T00:00:00Z)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# shellcheck source=bounded-run.sh
source "$(dirname "$0")/bounded-run.sh"

cd "$dir" || exit 74
run "verify-chain, forged policy bomb" "$bin" verify-chain policy-leaf.pem \
  --untrusted policy-cas.pem "${trust[@]}" "${at[@]}"
run "verify cms, forged policy bomb (59 KB)" "$bin" verify cms policy.p7s "${trust[@]}" "${at[@]}"
run "verify-chain, forged name-constraint bomb" "$bin" verify-chain nc-leaf.pem \
  --untrusted nc-ca.pem "${trust[@]}" "${at[@]}"
run "verify cms, forged name-constraint bomb" "$bin" verify cms nc.p7s "${trust[@]}" "${at[@]}"
run "verify cms, same, 64 SignerInfos" "$bin" verify cms nc-64.p7s "${trust[@]}" "${at[@]}"
PW=pw run "sign cms --p12, 20 bags x 10M iterations" "$bin" sign cms doc.txt -o "$out/x.p7s" \
  --p12 p12-20x10M.p12 --password-env PW
run "verify cms --at-signing-time, revoked signer" "$bin" verify cms revoked-backdated.p7s \
  "${trust[@]}" "${at[@]}" --at-signing-time
run "sign cms --cosign, detached, other document" "$bin" sign cms other.txt -o "$out/co.p7s" \
  --key "$pki/leaf-ecdsa-p256.key.pem" --cert "$pki/leaf-ecdsa-p256.pem" --cosign doc.p7s
if [ -f big-der.p7s ]; then
  run "verify cms, 200 MiB attached (DER)" "$bin" verify cms big-der.p7s "${trust[@]}" "${at[@]}"
fi
