#!/usr/bin/env python3
"""Signed PDFs for tests/pdf.rs, made by pyHanko (and qpdf through pikepdf).

    python3 -m venv /tmp/pdfvenv && /tmp/pdfvenv/bin/pip install pyhanko pikepdf
    /tmp/pdfvenv/bin/python testdata/pdf/generate.py      # from any directory

Keys and certificates are the test PKI's (testdata/pki: PKCS#12 files made by openssl,
password in PASSWORD); time-stamps come from pyHanko's DummyTimeStamper with tsa-rsa.pem. Outputs, all
in testdata/pdf/:

  tsa-rsa.pem, .key.pem  RSA TSA certificate (critical EKU timeStamping) issued by openssl from
                       the test intermediate CA: pyHanko's test timestamper is RSA-only
  base.pdf             hand-written one-page PDF, classic xref table, uncompressed content
  base-objstm.pdf      tsa-rsa.pem, .key.pem  RSA TSA certificate (critical EKU timeStamping) issued by openssl from
                       the test intermediate CA: pyHanko's test timestamper is RSA-only
  base.pdf rewritten by qpdf (pikepdf) with an xref stream and object
                       streams (catalog, pages, fonts compressed into them)
  rsa-pades-t.pdf      tsa-rsa.pem, .key.pem  RSA TSA certificate (critical EKU timeStamping) issued by openssl from
                       the test intermediate CA: pyHanko's test timestamper is RSA-only
  base.pdf signed by the RSA leaf, ETSI.CAdES.detached, with a signature
                       time-stamp from the test TSA (PAdES B-T)
  ecdsa-adbe.pdf       base-objstm.pdf signed by the P-256 leaf, adbe.pkcs7.detached
  two-signatures.pdf   rsa-pades-t.pdf + a second signature (P-256) in an incremental update
  doc-timestamp.pdf    rsa-pades-t.pdf + an ETSI.RFC3161 document time-stamp
  lt.pdf               tsa-rsa.pem, .key.pem  RSA TSA certificate (critical EKU timeStamping) issued by openssl from
                       the test intermediate CA: pyHanko's test timestamper is RSA-only
  base.pdf signed by the RSA leaf with validation info embedded (DSS:
                       intermediate CA certificate and both CRLs), PAdES B-LT
  modified.pdf         rsa-pades-t.pdf + an incremental update that adds a content stream to
                       the page (the document shown is no longer the one signed)
  tampered.pdf         rsa-pades-t.pdf with one signed byte changed ("no. 17" -> "no. 18")
"""
import io
import os
import subprocess
import sys
from datetime import datetime, timezone

from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from asn1crypto import crl as asn1_crl
import pikepdf

HERE = os.path.dirname(os.path.abspath(__file__))
PKI = os.path.join(HERE, "..", "pki")
PASSWORD = open(os.path.join(PKI, "PASSWORD"), "rb").read().strip()


def out(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


def base_pdf():
    """A one-page PDF written by hand: classic xref table, uncompressed content stream."""
    content = b"BT /F1 24 Tf 72 720 Td (Act of acceptance no. 17) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    buf = io.BytesIO()
    buf.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(buf.tell())
        buf.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = buf.tell()
    buf.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        buf.write(b"%010d 00000 n \n" % off)
    buf.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return buf.getvalue()


def objstm_pdf(base):
    pdf = pikepdf.open(io.BytesIO(base))
    buf = io.BytesIO()
    pdf.save(buf, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return buf.getvalue()


def signer(p12):
    return signers.SimpleSigner.load_pkcs12(os.path.join(PKI, p12), passphrase=PASSWORD)


def rsa_tsa():
    """pyHanko's test timestamper signs with RSA only (the test TSA in testdata/tsp is P-256):
    an RSA TSA certificate from the test intermediate CA, critical EKU timeStamping."""
    key = os.path.join(HERE, "tsa-rsa.key.pem")
    cert = os.path.join(HERE, "tsa-rsa.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", key], check=True)
        ext = os.path.join(HERE, "tsa-rsa.ext")
        with open(ext, "w") as f:
            f.write("extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n"
                    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
        csr = subprocess.run(["openssl", "req", "-new", "-key", key, "-subj",
                              "/C=RU/O=Signflow Test PKI/CN=Signflow Test TSA RSA (PDF)"],
                             check=True, capture_output=True).stdout
        subprocess.run(["openssl", "x509", "-req", "-CA", os.path.join(PKI, "intermediate-ca.pem"),
                        "-CAkey", os.path.join(PKI, "intermediate-ca.key.pem"), "-set_serial", "0x5dfd01",
                        "-days", "3650", "-sha256", "-extfile", ext, "-out", cert],
                       input=csr, check=True)
        os.remove(ext)
    return cert, key


def timestamper():
    cert_path, key_path = rsa_tsa()
    cert = load_cert_from_pemder(cert_path)
    key = load_private_key_from_pemder(key_path, passphrase=None)
    inter = load_cert_from_pemder(os.path.join(PKI, "intermediate-ca.pem"))
    return DummyTimeStamper(
        tsa_cert=cert,
        tsa_key=key,
        certs_to_embed=SimpleCertificateStore.from_certs([cert, inter]),
    )


def sign(pdf, p12, field, subfilter, tsa=None, vc=None):
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=subfilter,
        md_algorithm="sha256",
        embed_validation_info=vc is not None,
        validation_context=vc,
    )
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(w, meta, signer=signer(p12), timestamper=tsa).getvalue()


def main():
    base = base_pdf()
    out("base.pdf", base)
    base_objstm = objstm_pdf(base)
    out("base-objstm.pdf", base_objstm)

    pades_t = sign(base, "leaf-rsa.p12", "Signature1", fields.SigSeedSubFilter.PADES, tsa=timestamper())
    out("rsa-pades-t.pdf", pades_t)

    adbe = sign(base_objstm, "leaf-ecdsa-p256.p12", "Approval", fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    out("ecdsa-adbe.pdf", adbe)

    two = sign(pades_t, "leaf-ecdsa-p256.p12", "Signature2", fields.SigSeedSubFilter.PADES)
    out("two-signatures.pdf", two)

    w = IncrementalPdfFileWriter(io.BytesIO(pades_t))
    doc_ts = signers.PdfTimeStamper(timestamper()).timestamp_pdf(w, md_algorithm="sha256").getvalue()
    out("doc-timestamp.pdf", doc_ts)

    root = load_cert_from_pemder(os.path.join(PKI, "root-ca.pem"))
    inter = load_cert_from_pemder(os.path.join(PKI, "intermediate-ca.pem"))
    crls = [
        asn1_crl.CertificateList.load(open(os.path.join(PKI, name), "rb").read())
        for name in ("root-ca.crl.der", "intermediate-ca.crl.der")
    ]
    vc = ValidationContext(
        trust_roots=[root],
        other_certs=[inter],
        crls=crls,
        allow_fetching=False,
        revocation_mode="hard-fail",
    )
    lt = sign(base, "leaf-rsa.p12", "Signature1", fields.SigSeedSubFilter.PADES, vc=vc)
    out("lt.pdf", lt)

    w = IncrementalPdfFileWriter(io.BytesIO(pades_t))
    extra = generic.StreamObject(stream_data=b"BT /F1 36 Tf 72 600 Td (PAID IN FULL) Tj ET")
    w.add_stream_to_page(0, w.add_object(extra))
    buf = io.BytesIO()
    w.write(buf)
    out("modified.pdf", buf.getvalue())

    assert pades_t.count(b"no. 17") == 1
    out("tampered.pdf", pades_t.replace(b"no. 17", b"no. 18"))


if __name__ == "__main__":
    sys.exit(main())
