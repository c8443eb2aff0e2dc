#!/usr/bin/env python3
"""Markdown tables of median times from the `compare` bench's criterion output.

Reads target/criterion/**/new/benchmark.json (ids) and estimates.json (`median.point_estimate`,
in ns) under this folder, after `cargo bench --bench compare ...`, and prints the verify, sign
and digest tables in microseconds. Crate versions come from this folder's Cargo.lock, the
OpenSSL version from pkg-config (what openssl-sys links against).

Usage: python3 table.py [CRITERION_DIR]
"""

import json
import pathlib
import re
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent

ALGORITHMS = [
    ("rsa2048-pkcs1-sha256", "RSA-2048 PKCS#1 v1.5 SHA-256"),
    ("rsa2048-pss-sha256", "RSA-2048 PSS SHA-256"),
    ("ecdsa-p256-sha256", "ECDSA P-256 SHA-256"),
    ("ecdsa-p384-sha384", "ECDSA P-384 SHA-384"),
    ("ed25519", "Ed25519"),
]


def lock_version(name):
    text = (HERE / "Cargo.lock").read_text()
    m = re.search(r'\[\[package\]\]\nname = "%s"\nversion = "([^"]+)"' % re.escape(name), text)
    return m.group(1) if m else "?"


def openssl_version():
    try:
        out = subprocess.run(
            ["pkg-config", "--modversion", "openssl"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def load(root):
    medians = {}
    for bench in root.glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        medians[(meta["group_id"], meta["function_id"])] = est["median"]["point_estimate"]
    return medians


def us(ns):
    """Microseconds with three significant figures (at least one decimal)."""
    if ns is None:
        return "–"
    v = ns / 1000.0
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def ratio(a, b):
    return "–" if a is None or b is None else f"{a / b:.2f}×"


def main():
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "target" / "criterion"
    m = load(root)
    if not m:
        sys.exit(f"no criterion results under {root}")
    aws = f"signflow aws-lc-rs (aws-lc-rs {lock_version('aws-lc-rs')})"
    rc = f"signflow rustcrypto (rsa {lock_version('rsa')})"
    ossl = f"OpenSSL {openssl_version()}"

    for op in ("verify", "sign"):
        cols = [aws, rc, ossl]
        funcs = ["signflow-aws-lc-rs", "signflow-rustcrypto", "openssl"]
        if op == "verify":
            cols.append("OpenSSL, SPKI parsed per call")
            funcs.append("openssl-parse-spki")
        cols += ["aws-lc-rs / OpenSSL", "rustcrypto / OpenSSL"]
        print(f"**{op}** (median µs per operation, 1 KiB message)\n")
        print("| algorithm | " + " | ".join(cols) + " |")
        print("|---|" + "---:|" * len(cols))
        for key, label in ALGORITHMS:
            vals = [m.get((f"{op}/{key}", f)) for f in funcs]
            cells = [us(v) for v in vals]
            cells += [ratio(vals[0], vals[2]), ratio(vals[1], vals[2])]
            print(f"| {label} | " + " | ".join(cells) + " |")
        print()

    g = "digest/sha256-1MiB"
    vals = [m.get((g, f)) for f in ("signflow-aws-lc-rs", "signflow-rustcrypto", "openssl")]
    if any(v is not None for v in vals):
        print("**digest** (median µs for SHA-256 over 1 MiB; MiB/s in brackets)\n")
        print(f"| | {aws} | {rc} | {ossl} |")
        print("|---|---:|---:|---:|")
        cells = [f"{us(v)} ({(1 << 20) / (v / 1e9) / (1 << 20):.0f})" if v else "–" for v in vals]
        print("| SHA-256, 1 MiB | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main()
