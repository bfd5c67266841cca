"""Builders of hostile and edge-case inputs shared by the sidecar tests, and the tiny InternVL engine's documents."""

from __future__ import annotations

import io
import os

from PIL import Image


def pdf_with_pages(n: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(n):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf(source: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(width: int, height: int, mode: str = "L") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 255).save(out, "PNG", optimize=False)
    return out.getvalue()


def huge_png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height: a decompression bomb is refused from the header alone."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def jpeg(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(out, "JPEG", quality=80)
    return out.getvalue()


def tiff_pages(n: int, size=(300, 400), compression: str = "raw") -> bytes:
    frames = [Image.new("L", size, 200 + i) for i in range(n)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], compression=compression)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (64, 64)).save(out, "GIF")
    return out.getvalue()


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol4;</ID></Invoice>"""


def random_bytes(n: int = 4096) -> bytes:
    return b"\x00\x01junk" + os.urandom(n)


def pdf_bomb(inflated_mb: int) -> bytes:
    """A valid one-page PDF whose content stream inflates to ``inflated_mb`` MiB (~1 KB on the wire per MiB)."""
    import zlib

    compressor = zlib.compressobj(9)
    block = b" " * (1 << 20)
    stream = b"".join(compressor.compress(block) for _ in range(inflated_mb)) + compressor.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    from ocr_sidecar.reader.synth.receipt_render import pdf_file

    return pdf_file(objects, b"%PDF-1.7\n")


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now (for a server started as a process)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(tmp_path, server_names=("localhost",)):
    """A CA, a server certificate (SAN: ``server_names`` and 127.0.0.1) and a client certificate ("odoo") signed by
    it, as PEM files in ``tmp_path``: {"server": (key, pem), "client": (key, pem), "ca": pem}."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    def key():
        return ec.generate_private_key(ec.SECP256R1())

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = key()
    ca = (x509.CertificateBuilder().subject_name(name("test-ca")).issuer_name(name("test-ca"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))

    def leaf(cn, serial, san):
        k = key()
        builder = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca.subject).public_key(k.public_key())
                   .serial_number(serial).not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=1)))
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [*(x509.DNSName(n) for n in server_names), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
        return k, builder.sign(ca_key, hashes.SHA256())

    pem = serialization.Encoding.PEM
    out = {}
    for label, (k, cert) in {"server": leaf(server_names[0], 2, True), "client": leaf("odoo", 3, False)}.items():
        (tmp_path / f"{label}.key").write_bytes(k.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                                serialization.NoEncryption()))
        (tmp_path / f"{label}.pem").write_bytes(cert.public_bytes(pem))
        out[label] = (tmp_path / f"{label}.key", tmp_path / f"{label}.pem")
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    out["ca"] = tmp_path / "ca.pem"
    return out


# --- the InternVL engine on the tiny random model (test_internvl*.py, test_parallel_decoder.py) -----------------

BATCH_PAGES = ("img_contoso_simple_invoice.png", "i2d_NetpresseInvoice.pdf", "img_heroltd_po_Form_1.jpg")


def opened(content: bytes, name: str, document_type=None, max_tiles: int = 4):
    """``content`` opened as a request's document is (a ``DocumentInput``: pages rendered, word layers read)."""
    from ocr_sidecar.inputs import Limits, load_document

    limits = Limits(max_bytes=10**8, max_pages=10, max_pixels=10**8, max_tiles=max_tiles)
    doc = load_document(content, "", name, limits).doc
    doc.document_type = document_type
    return doc


def corpus_doc(name: str, document_type=None, max_tiles: int = 4):
    """The document ``name`` of the shared corpus, opened as a request's document is."""
    from conftest import DOCUMENTS_DIR

    return opened((DOCUMENTS_DIR / name).read_bytes(), name, document_type, max_tiles)


def blank_page() -> Image.Image:
    return Image.new("RGB", (300, 400), "white")


def blank_doc():
    """A one-page document with nothing on it (no word layer): the model's pixels only."""
    from ocr_sidecar.types import DocumentInput, Page

    return DocumentInput(content=b"", mime_type="image/png", pages=[Page(0, blank_page())])


def tiny_engine(model_dir, **options):
    """A loaded InternVL engine on ``model_dir`` (the tiny random model), on the CPU in fp32."""
    from ocr_sidecar.engines.internvl import InternVLEngine

    engine = InternVLEngine(model_dir, device="cpu", dtype="fp32", **options)
    engine.load()
    return engine


def extract_at_once(engine, docs) -> list:
    """Each document from its own thread, all at once (as the server's workers send them)."""
    import threading

    results: list = [None] * len(docs)

    def run(i):
        results[i] = engine.extract(docs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(docs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
