"""The sets of ``benchmarks/words_reader.py`` (the docstring there says what each holds): the documents of each,
their word layers prepared beforehand (the PDF's text layer, or the sidecar's OCR cached on disk) and their gold."""

from __future__ import annotations

import csv
import hashlib
import importlib
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from words_reader_score import TAX_FIELDS  # noqa: E402

from ocr_sidecar.errors import InvalidDocument  # noqa: E402
from ocr_sidecar.inputs import Limits, open_words  # noqa: E402
from ocr_sidecar.locate import NOT_PRINTED, locate  # noqa: E402
from ocr_sidecar.reader import HEADER_PATHS  # noqa: E402
from ocr_sidecar.words import Word, WordLayer, assign_lines  # noqa: E402

DOCUMENTS = ROOT.parent / "shared" / "data" / "documents"
CACHE = ROOT / "benchmarks" / ".cache" / "words_reader"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}
# Files a conformance suite keeps because they are wrong (their XML may contradict the page): no gold.
FAILING = re.compile(r"fail|invalid|corrupt", re.IGNORECASE)


def _limits(words: str) -> Limits:
    return Limits(max_bytes=64 << 20, max_pages=50, max_pixels=80_000_000, max_tiles=12, words=words)


# --- the documents of each set: word layers prepared beforehand, with their gold ------------------------------


@dataclass
class Doc:
    name: str
    set: str
    kind: str  # born_digital, scan or photo
    layers: list  # one Optional[WordLayer] per page
    gold: dict
    ocr_ms: Optional[float] = None  # per page, images only
    printed: Optional[set[str]] = None  # scored paths whose gold value the page prints; None: all of them


def corpus_files(documents: Path, images: bool, pattern: str = "*") -> list[Path]:
    suffixes = IMAGE_SUFFIXES if images else {".pdf"}
    return sorted(p for p in documents.glob(pattern) if p.suffix.lower() in suffixes
                  and p.with_name(p.stem + ".gold.json").is_file())


def _gold(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".gold.json").read_text())


def pdf_layers(content: bytes, name: str) -> list:
    """The pages' word layers from the PDF's text layer alone, as the sidecar opens a words-only request, the
    e-invoice XML left unread (a page without a text layer has none: no OCR here)."""
    opened = open_words(content, "", name, _limits("pdf"), read_einvoice=False)
    return [page.words for page in opened.pages]


def corpus_pdf_docs(documents: Path, pattern: str = "*") -> Iterator[Doc]:
    for path in corpus_files(documents, images=False, pattern=pattern):
        yield Doc(path.name, "corpus-pdf", "born_digital", pdf_layers(path.read_bytes(), path.name), _gold(path))


def _layer_json(layer: Optional[WordLayer]) -> Optional[dict]:
    if layer is None:
        return None
    return {"source": layer.source, "angle": layer.angle,
            "words": [[w.text, list(w.box), w.confidence] for w in layer.words]}


def _layer_from_json(data: Optional[dict]) -> Optional[WordLayer]:
    """A cached layer: the raw words, grouped into lines again as ``ocr.read_page`` groups them (so a change to
    the grouping needs no new OCR)."""
    if data is None:
        return None
    words = [Word(text, tuple(box), confidence=conf) for text, box, conf in data["words"]]
    return WordLayer(data["source"], assign_lines(words), angle=data.get("angle", 0))


def _ocr_version() -> str:
    sources = b"".join((ROOT / "ocr_sidecar" / name).read_bytes() for name in ("ocr.py", "inputs.py"))
    return hashlib.sha256(sources).hexdigest()[:10]


def ocr_layers(content: bytes, name: str, cache: Optional[Path]) -> tuple[list, float]:
    """An image's word layers from the sidecar's OCR and the OCR's ms per page, from the cache when it has them."""
    key = f"{hashlib.sha256(content).hexdigest()[:32]}-{_ocr_version()}.json"
    if cache is not None and (cache / key).is_file():
        data = json.loads((cache / key).read_text())
        return [_layer_from_json(page) for page in data["pages"]], data["ocr_ms"]
    started = time.perf_counter()
    opened = open_words(content, "", name, _limits("auto"), read_einvoice=False)
    layers = [page.words for page in opened.pages]
    ms = (time.perf_counter() - started) * 1000 / max(len(layers), 1)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / key).write_text(json.dumps({"file": name, "ocr_ms": ms, "pages": [_layer_json(x) for x in layers]}))
    return layers, ms


def image_kinds(documents: Path) -> dict[str, str]:
    """photo or scan, per file of MANIFEST.csv (its notes say which images are photos)."""
    manifest = documents / "MANIFEST.csv"
    if not manifest.is_file():
        return {}
    with manifest.open(newline="") as handle:
        return {row["file"]: "photo" if "photo" in (row.get("notes") or "").lower() else "scan"
                for row in csv.DictReader(handle)}


def corpus_image_docs(documents: Path, cache: Optional[Path], pattern: str = "*") -> Iterator[Doc]:
    kinds = image_kinds(documents)
    for path in corpus_files(documents, images=True, pattern=pattern):
        layers, ms = ocr_layers(path.read_bytes(), path.name, cache)
        kind = kinds.get(path.name) or ("photo" if "photo" in path.name.lower() else "scan")
        yield Doc(path.name, "corpus-images", kind, layers, _gold(path), ocr_ms=ms)


def _same_invoice(document: dict) -> Optional[tuple]:
    key = tuple(str(document.get(k) or "") for k in ("document_number", "issue_date", "total"))
    return key if any(key) else None


def printed_scored(gold: dict, layers: list) -> set[str]:
    """The scored paths (``taxes[i].rate`` as such) whose gold value ``locate`` finds on the pages."""
    found = set(locate(gold, layers))
    out = set()
    for path in HEADER_PATHS:
        if path.rsplit(".", 1)[-1] in NOT_PRINTED or path in found:
            out.add(path)
    for i in range(len(gold.get("taxes") or [])):
        out.update(f"taxes[{i}].{name}" for name in TAX_FIELDS if f"taxes[{i}].{name}" in found)
    return out


def public_docs(public: Path, documents: Optional[Path], skipped: Counter) -> Iterator[Doc]:
    from ocr_sidecar.einvoice import BrokenEInvoice, try_extract  # noqa: PLC0415

    seen_bytes: set[str] = set()
    seen_invoices: set[tuple] = set()
    corpus_invoices: set[tuple] = set()
    if documents is not None and documents.is_dir():
        for path in corpus_files(documents, images=False) + corpus_files(documents, images=True):
            seen_bytes.add(hashlib.sha256(path.read_bytes()).hexdigest())
            key = _same_invoice(_gold(path))
            if key:
                corpus_invoices.add(key)
    corpus_bytes = set(seen_bytes)
    for path in sorted(public.rglob("*")):
        if path.suffix.lower() != ".pdf" or not path.is_file():
            continue
        if FAILING.search(str(path.relative_to(public))):
            skipped["a test file its suite marks failing or invalid"] += 1
            continue
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if digest in seen_bytes:
            skipped["a corpus document (same bytes)" if digest in corpus_bytes else "same bytes as another file"] += 1
            continue
        seen_bytes.add(digest)
        try:
            result = try_extract(content)
        except (BrokenEInvoice, InvalidDocument, ValueError):
            result = None
        except Exception:  # noqa: BLE001 - a damaged test file (the suites hold some on purpose)
            result = None
        if result is None or not result.document:
            skipped["no readable e-invoice XML"] += 1
            continue
        gold = result.document
        key = _same_invoice(gold)
        if key in corpus_invoices:
            skipped["a corpus document (same number, date and total)"] += 1
            continue
        if key in seen_invoices:
            skipped["the same invoice as an earlier file"] += 1
            continue
        try:
            layers = pdf_layers(content, path.name)
        except (InvalidDocument, ValueError, OSError):
            skipped["PDF not opened"] += 1
            continue
        if not any(layer is not None and layer.words for layer in layers):
            skipped["empty text layer"] += 1
            continue
        if key:
            seen_invoices.add(key)
        yield Doc(str(path.relative_to(public)), "public", "born_digital", layers, gold,
                  printed=printed_scored(gold, layers))


def synthetic_docs(seed: int, count: int) -> Iterator[Doc]:
    synth = importlib.import_module("ocr_sidecar.reader.synth")
    for i, sample in enumerate(synth.samples(seed, count)):
        name = f"synth-{seed}-{i:04d}-{getattr(sample, 'lang', '')}-{getattr(sample, 'doc_type', '')}"
        yield Doc(name, "synthetic", str(sample.kind).replace("-", "_"), list(sample.layers), sample.gold)

