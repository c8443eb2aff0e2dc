#!/usr/bin/env python3
"""Markdown tables of median times from the `compare` bench's criterion output.

Reads target/criterion/**/new/benchmark.json (ids) and estimates.json (`median.point_estimate`,
in ns) under this folder, after `cargo bench --bench compare ...` (and `--bench gost`), and prints the verify, sign
and digest tables in microseconds, then the certificates table (chain validation, CRLs,
PKCS#12), the CMS detached verify table and the GOST table (the `gost` bench) with a unit
per cell; tables without results are left out. Crate versions come from this folder's Cargo.lock, the OpenSSL
version from pkg-config (what openssl-sys links against).

Usage: python3 table.py [CRITERION_DIR]
       python3 table.py --hot-path COMPARE_CRITERION_DIR CRATE_CRITERION_DIR

The second form prints the hot-path table of issue #8 (what benches/hot-path.sh measures in one
run): chain validation cold and cached, CMS detached verify, the 1M-entry CRL and PKCS#12
beside OpenSSL (from `compare`), and XMLDSig verify beside xmlsec1 (the crate's `xmldsig`
bench, whole processes), each with its target and whether the measurement meets it.
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


# The certificates table: (label, criterion group, aws-lc-rs function, rustcrypto function,
# OpenSSL function). Function "signflow" means no crypto backend is involved: one measurement,
# shown in both signflow columns with a dagger.
SF = ("signflow-aws-lc-rs", "signflow-rustcrypto", "openssl")
CERT_ROWS = [
    ("Chain validation leaf-rsa, cold (parsed inputs)", "chain-cold/leaf-rsa", *SF),
    ("Chain validation leaf-rsa, cold incl. parsing", "chain-cold-incl-parsing/leaf-rsa", *SF),
    ("Chain validation leaf-rsa, validator / store reused", "chain-reused/leaf-rsa", *SF),
    ("Chain validation leaf-ecdsa-p256, cold (parsed inputs)", "chain-cold/leaf-ecdsa-p256", *SF),
    (
        "Chain validation leaf-ecdsa-p256, cold incl. parsing",
        "chain-cold-incl-parsing/leaf-ecdsa-p256",
        *SF,
    ),
    (
        "Chain validation leaf-ecdsa-p256, validator / store reused",
        "chain-reused/leaf-ecdsa-p256",
        *SF,
    ),
    ("Parse a certificate (leaf-rsa.der)", "parse/certificate", "signflow", "signflow", "openssl"),
    ("Parse a CRL (intermediate-ca.crl.der, 1 entry)", "parse/crl", "signflow", "signflow", "openssl"),
    (
        "CRL 1M entries: parse, ready for lookups",
        "crl-1m/parse",
        "signflow",
        "signflow",
        "openssl-incl-sort",
    ),
    ("CRL 1M entries: parse only (d2i_X509_CRL)", "crl-1m/parse", None, None, "openssl"),
    ("CRL 1M entries: lookup, serial present", "crl-1m/lookup-hit", "signflow", "signflow", "openssl"),
    ("CRL 1M entries: lookup, serial absent", "crl-1m/lookup-miss", "signflow", "signflow", "openssl"),
    (
        "Chain validation leaf-rsa with the 1M CRL, reused",
        "crl-1m/chain-reused/leaf-rsa",
        *SF,
    ),
    ("PKCS#12 import (leaf-rsa.p12)", "pkcs12/leaf-rsa", "signflow", "signflow", "openssl"),
    ("PKCS#12 import + key loaded into the backend", "pkcs12/leaf-rsa", *SF),
]


# The CMS table: (criterion id under cms-verify/, content length in bytes).
CMS_SIZES = [("1KiB", 1 << 10), ("1MiB", 1 << 20), ("100MiB", 100 << 20)]


# The GOST table (the `gost` bench): (criterion key, label).
GOST_KEYS = [
    ("gost2012-256-A", "GOST R 34.10-2012 256 (CryptoPro A)"),
    ("gost2012-512-A", "GOST R 34.10-2012 512 (tc26 512 A)"),
]


# A certificates-table cell is flagged when its median's 95 % CI is wider than this.
NOISY = 0.10


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
    """Medians (ns) by (group, function), and the relative width of each median's 95 % CI."""
    medians, spread = {}, {}
    for bench in root.glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())["median"]
        key = (meta["group_id"], meta["function_id"])
        medians[key] = est["point_estimate"]
        ci = est["confidence_interval"]
        spread[key] = (ci["upper_bound"] - ci["lower_bound"]) / est["point_estimate"]
    return medians, spread


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


def auto(ns):
    """A duration with its unit and three significant figures."""
    if ns is None:
        return "–"
    for scale, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1, "ns")):
        if ns >= scale or unit == "ns":
            v = ns / scale
            if v >= 100:
                return f"{v:.0f} {unit}"
            if v >= 10:
                return f"{v:.1f} {unit}"
            return f"{v:.2f} {unit}"
    return "–"


def ratio(a, b):
    return "–" if a is None or b is None else f"{a / b:.2f}×"


def main():
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "target" / "criterion"
    m, spread = load(root)
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
        if not any((f"{op}/{key}", f) in m for key, _ in ALGORITHMS for f in funcs):
            continue
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

    rows = [r for r in CERT_ROWS if any((r[1], f) in m for f in r[2:] if f)]
    if rows:
        print("**Certificates** (median time per operation; † = no crypto backend involved, one")
        print("measurement shown in both signflow columns; * = the median's 95 % confidence")
        print(f"interval is wider than {NOISY:.0%} of it: disturbed by other load)\n")
        print(
            f"| operation | {aws} | {rc} | {ossl} | aws-lc-rs / OpenSSL | rustcrypto / OpenSSL |"
        )
        print("|---|---:|---:|---:|---:|---:|")
        for label, group, *funcs in rows:
            vals = [m.get((group, f)) if f else None for f in funcs]
            cells = [auto(v) for v in vals]
            for i, f in enumerate(funcs):
                if f and spread.get((group, f), 0) > NOISY:
                    cells[i] += " *"
            for i in (0, 1):
                if funcs[i] == "signflow" and vals[i] is not None:
                    cells[i] += " †"
            cells += [ratio(vals[0], vals[2]), ratio(vals[1], vals[2])]
            print(f"| {label} | " + " | ".join(cells) + " |")
        print()

    sf = ("signflow-aws-lc-rs", "signflow-rustcrypto", "openssl")
    sizes = [(k, n) for k, n in CMS_SIZES if any((f"cms-verify/{k}", f) in m for f in sf)]
    if sizes:
        print("**CMS detached verify** (median time per verification, full: parse, digest of")
        print("the content, RSA-2048 signature over the signed attributes, path to the root with")
        print("both CRLs; MiB/s in brackets; * = the median's 95 % confidence interval is wider")
        print(f"than {NOISY:.0%} of it)\n")
        print(f"| content | {aws} | {rc} | {ossl} | aws-lc-rs / OpenSSL | rustcrypto / OpenSSL |")
        print("|---|---:|---:|---:|---:|---:|")
        for key, n in sizes:
            g = f"cms-verify/{key}"
            vals = [m.get((g, f)) for f in sf]
            cells = []
            for f, v in zip(sf, vals):
                cell = auto(v)
                if v is not None and n >= 1 << 20:
                    cell += f" ({n / (v / 1e9) / (1 << 20):.0f})"
                if v is not None and spread.get((g, f), 0) > NOISY:
                    cell += " *"
                cells.append(cell)
            cells += [ratio(vals[0], vals[2]), ratio(vals[1], vals[2])]
            print(f"| {key.replace('KiB', ' KiB').replace('MiB', ' MiB')} | " + " | ".join(cells) + " |")
        print()

    gost_rows = [
        (f"{op} {label}", f"gost-{op}/{key}")
        for key, label in GOST_KEYS
        for op in ("verify", "sign")
    ] + [
        ("Streebog-256, 1 MiB", "gost-digest/streebog256-1MiB"),
        ("Streebog-512, 1 MiB", "gost-digest/streebog512-1MiB"),
    ]
    gost_rows = [r for r in gost_rows if any((r[1], f) in m for f in sf)]
    if gost_rows:
        print("**GOST** (`gost` bench: median time per operation, 1 KiB message; OpenSSL with the")
        print("GOST engine; MiB/s in brackets; * = the median's 95 % confidence interval is wider")
        print(f"than {NOISY:.0%} of it)\n")
        print(
            f"| operation | {aws} | {rc} | OpenSSL {openssl_version()} + GOST engine "
            "| OpenSSL, SPKI parsed per call | aws-lc-rs / OpenSSL | rustcrypto / OpenSSL |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        for label, g in gost_rows:
            funcs = [*sf, "openssl-parse-spki"]
            vals = [m.get((g, f)) for f in funcs]
            cells = []
            for f, v in zip(funcs, vals):
                cell = auto(v)
                if v is not None and g.startswith("gost-digest/"):
                    cell += f" ({(1 << 20) / (v / 1e9) / (1 << 20):.0f})"
                if v is not None and spread.get((g, f), 0) > NOISY:
                    cell += " *"
                cells.append(cell)
            cells += [ratio(vals[0], vals[2]), ratio(vals[1], vals[2])]
            print(f"| {label} | " + " | ".join(cells) + " |")
        print()


# The hot-path table: (label, signflow (group, function) for aws-lc-rs, the same for rustcrypto
# or None, the reference (group, function), target ratio or None, what the target says).
AWS, RC = "signflow-aws-lc-rs", "signflow-rustcrypto"
HOT_ROWS = [
    ("Chain validation leaf-rsa + 2 CRLs, cold", ("chain-cold/leaf-rsa", AWS),
     ("chain-cold/leaf-rsa", RC), ("chain-cold/leaf-rsa", "openssl"), 1.0,
     "no slower than OpenSSL"),
    ("Chain validation leaf-rsa + 2 CRLs, cached (vs OpenSSL cold)", ("chain-cached/leaf-rsa", AWS),
     ("chain-cached/leaf-rsa", RC), ("chain-cold/leaf-rsa", "openssl"), 0.2,
     "≥ 5× faster than OpenSSL cold"),
    ("CMS detached verify, 1 KiB", ("cms-verify/1KiB", AWS), ("cms-verify/1KiB", RC),
     ("cms-verify/1KiB", "openssl"), None, ""),
    ("CMS detached verify, 1 MiB", ("cms-verify/1MiB", AWS), ("cms-verify/1MiB", RC),
     ("cms-verify/1MiB", "openssl"), None, ""),
    ("CMS detached verify, 100 MiB", ("cms-verify/100MiB", AWS), ("cms-verify/100MiB", RC),
     ("cms-verify/100MiB", "openssl"), 1.1, "within 1.1× of OpenSSL"),
    ("CRL 1M entries: parse, ready for lookups", ("crl-1m/parse", "signflow"), None,
     ("crl-1m/parse", "openssl-incl-sort"), None, ""),
    ("CRL 1M entries: lookup, serial present", ("crl-1m/lookup-hit", "signflow"), None,
     ("crl-1m/lookup-hit", "openssl"), None, ""),
    ("CRL 1M entries: lookup, serial absent", ("crl-1m/lookup-miss", "signflow"), None,
     ("crl-1m/lookup-miss", "openssl"), None, ""),
    ("PKCS#12 import + key loaded (leaf-rsa.p12)", ("pkcs12/leaf-rsa", AWS), ("pkcs12/leaf-rsa", RC),
     ("pkcs12/leaf-rsa", "openssl"), None, ""),
    ("XMLDSig verify 1 MiB, CLI vs xmlsec1 (processes)", ("xmldsig-verify/1MiB", "signflow-cli"),
     None, ("xmldsig-verify/1MiB", "xmlsec1"), None, ""),
    ("XMLDSig verify 20 MiB, CLI vs xmlsec1 (processes)", ("xmldsig-verify/20MiB", "signflow-cli"),
     None, ("xmldsig-verify/20MiB", "xmlsec1"), 0.5, "≥ 2× faster than xmlsec1"),
]


def hot_path(compare_dir, crate_dir):
    m, spread = load(compare_dir)
    # Only the XMLDSig groups come from the crate's own benches: its `pki` and `cms` benches
    # reuse some of compare's group and function names, from other runs.
    m2, spread2 = load(crate_dir)
    for key in m2:
        if key[0].startswith("xmldsig-verify/"):
            m[key], spread[key] = m2[key], spread2[key]
    if not m:
        sys.exit(f"no criterion results under {compare_dir} or {crate_dir}")

    def cell(key):
        v = m.get(key)
        text = auto(v)
        if v is not None and spread.get(key, 0) > NOISY:
            text += " *"
        return text

    print("**Hot path** (median time per operation; * = the median's 95 % confidence interval is")
    print(f"wider than {NOISY:.0%} of it; ratio = signflow aws-lc-rs / reference, below 1 = signflow")
    print("faster; XMLDSig rows: whole processes, the CLI on the default aws-lc-rs backend)\n")
    print(
        f"| operation | signflow aws-lc-rs | signflow rustcrypto | reference "
        f"(OpenSSL {openssl_version()} / xmlsec1) | ratio | target | met |"
    )
    print("|---|---:|---:|---:|---:|---|---|")
    for label, aws_key, rc_key, ref_key, target, says in HOT_ROWS:
        if aws_key not in m and ref_key not in m:
            continue
        a, r = m.get(aws_key), m.get(ref_key)
        met = ""
        if target is not None and a is not None and r is not None:
            met = "yes" if a / r <= target else "**no**"
        print(
            f"| {label} | {cell(aws_key)} | {cell(rc_key) if rc_key else '–'} | {cell(ref_key)} "
            f"| {ratio(a, r)} | {says} | {met} |"
        )
    print()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--hot-path":
        hot_path(pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]))
    else:
        main()
