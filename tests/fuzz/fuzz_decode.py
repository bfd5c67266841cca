"""atheris fuzz target for the decoding layer: bytes → sniff → PDF/image decoding → e-invoice XML.

Contract under fuzzing: any input either decodes or raises ``InvalidDocument`` (→ INVALID_ARGUMENT).
Anything else (an uncaught exception, a hang, a memory blow-up) is a bug.

    python tests/fuzz/fuzz_decode.py -runs=100000 -max_len=65536 [corpus_dir]
"""

import sys

import atheris

with atheris.instrument_imports():
    from ocr_sidecar import einvoice
    from ocr_sidecar.errors import InvalidDocument
    from ocr_sidecar.inputs import Limits, load_document

LIMITS = Limits(max_bytes=1 << 20, max_pages=3, max_pixels=4_000_000, max_tiles=2)
PREFIXES = [b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"II*\x00", b"RIFF\x00\x00\x00\x00WEBP",
            b"<?xml version='1.0'?>"]


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    # Steer most inputs past the sniffer into a real decoder.
    content = PREFIXES[fdp.ConsumeIntInRange(0, len(PREFIXES) - 1)] + fdp.ConsumeBytes(fdp.remaining_bytes())
    try:
        load_document(content, "", "fuzz", LIMITS)
    except InvalidDocument:
        pass
    try:
        einvoice.try_extract(content, "")
    except InvalidDocument:
        pass


def main() -> None:
    atheris.Setup(list(sys.argv), test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
