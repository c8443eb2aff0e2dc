#!/usr/bin/env bash
# Empty CRLs of this folder's two roots (ca.pem, gost-ca.pem), for the tests that check
# revocation of the МЧД PKI (the document flow under an МЧД, tests/flow.rs). Made with the
# roots' committed keys, so they do not change the certificates generate.sh made; rerun this
# after generate.sh. Valid for ten years from generation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/signflow-mchd-crl.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
crl() { # root-stem [engine args…]
  local stem=$1; shift
  : > "$TMP/$stem.index"
  cat > "$TMP/$stem.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
[ca]
default_ca = ca
[ca]
database = $TMP/$stem.index
crlnumber = $TMP/$stem.crlnumber
default_md = ${MD:-sha256}
default_crl_days = 3650
CNF
  echo 01 > "$TMP/$stem.crlnumber"
  OPENSSL_CONF="$TMP/$stem.cnf" openssl ca "$@" -config "$TMP/$stem.cnf" -gencrl \
    -cert "$stem.pem" -keyfile "$stem.key.pem" -out "$stem.crl.pem" 2>"$TMP/err" \
    || { cat "$TMP/err" >&2; exit 1; }
}
crl ca
MD=md_gost12_256 crl gost-ca -engine gost
chmod 644 ./*.crl.pem
