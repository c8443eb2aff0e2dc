#!/usr/bin/env bash
# Writes the documents benches/peak-rss.sh measures, target/bench-data/xmldsig-{1MiB,20MiB}-crls.xml,
# without running the criterion bench: the unsigned document of benches/support/xml_gen.rs
# (`unsigned`), signed with the CLI as `xml_gen::signed` signs it (leaf-rsa key, leaf and
# intermediate certificates in KeyInfo; exclusive C14N, SHA-256, enveloped), then the root and
# intermediate CRLs added at the end of X509Data as `xml_gen::with_crls` adds them. The
# files come out byte for byte the size of the bench's own (1,053,417 and 20,976,345 bytes).
#
# Usage: bash benches/peak-rss-data.sh   ($SIGNFLOW_BIN: the CLI to sign with; any profile)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SIGNFLOW_BIN:-${CARGO_TARGET_DIR:-target}/release/signflow}
DATA=${BENCH_DATA:-${CARGO_TARGET_DIR:-target}/bench-data}
PKI=testdata/pki
mkdir -p "$DATA"
for spec in 1MiB:1048576 20MiB:20971520; do
  name=${spec%%:*} size=${spec#*:}
  python3 - "$size" >"$DATA/xmldsig-$name-unsigned.xml" <<'PY'
import sys
size = int(sys.argv[1])
out = ['<?xml version="1.0" encoding="UTF-8"?>\n', '<Register xmlns="urn:signflow:bench" version="1">\n']
n = sum(map(len, out))
i = 0
while n < size:
    kind = ["invoice", "act", "waybill", "contract"][i % 4]
    line = (f'  <Item n="{i}" kind="{kind}">Line {i:08}: goods &amp; services delivered '
            f'under contract, amount {(i * 7919) % 1_000_000}.{i % 100:02} RUB</Item>\n')
    out.append(line)
    n += len(line)
    i += 1
out.append('</Register>\n')
sys.stdout.write(''.join(out))
PY
  "$BIN" sign xml --key "$PKI/leaf-rsa.key.pem" --cert "$PKI/leaf-rsa.pem" \
    --chain "$PKI/intermediate-ca.pem" -o "$DATA/xmldsig-$name-signed.xml" \
    "$DATA/xmldsig-$name-unsigned.xml" >/dev/null
  python3 - "$DATA/xmldsig-$name-signed.xml" "$PKI/root-ca.crl.pem" \
    "$PKI/intermediate-ca.crl.pem" >"$DATA/xmldsig-$name-crls.xml" <<'PY'
import sys
xml = open(sys.argv[1], 'rb').read()
elements = ''
for f in sys.argv[2:]:
    body = ''.join(l.strip() for l in open(f).read().splitlines() if not l.startswith('-----'))
    elements += '<ds:X509CRL>' + body + '</ds:X509CRL>'
at = xml.rindex(b'</ds:X509Data>')
sys.stdout.buffer.write(xml[:at] + elements.encode() + xml[at:])
PY
  rm "$DATA/xmldsig-$name-unsigned.xml" "$DATA/xmldsig-$name-signed.xml"
  echo "$DATA/xmldsig-$name-crls.xml: $(wc -c <"$DATA/xmldsig-$name-crls.xml") bytes"
done
