r"""Is a document with a wrong value ever marked verified (issue #34)? Wrong values injected into right answers.

For every document — the corpus's PDFs (and, with ``--images``, its scans and photos) through the sidecar's real
pipeline with the replay engine answering, and documents made by the words reader's generator
(``ocr_sidecar.reader.synth``) through the same checks — the right answer (the gold) is given once as it is and once
with wrong values injected into ``--share`` of its values at random (one at least), each value of the document
alike: header, parties, lines, tax rows. The answer goes through what the sidecar does after its engine (the
canonical schema, the arithmetic checks, evidence on the page, the words reader's second reading:
``pipeline.check_pages``), then the addon's one decision, ``document_digitize/lib/verified.verdict``, is asked
whether the record would be marked verified. Printed: documents with an injected wrong value marked verified (goal:
0), and the verified share on clean answers, per kind (born-digital, scan, photo) and source.

    python benchmarks/verified_injected.py [--count 400] [--seed 34] [--share 0.1] [--images] [--documents DIR]
        [--show 5]

What the script cannot know: the review items of applying the answer in Odoo (partner, products and taxes found,
duplicates): none are assumed, so the verified share here is an upper bound of what Odoo marks verified — and a
wrong value verified here would be one in Odoo too. Wrong values: numbers with their leading digit changed,
identifiers with one character changed (``evidence_recall.mutate``), dates moved or day and month swapped, the
other party's name, another currency or type (``words_reader_score.wrong_value``), and for texts (descriptions,
addresses, e-mails, phones, units) another line's or party's text, or one digit or letter changed.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from evidence_recall import mutate  # noqa: E402
from words_reader_score import wrong_value  # noqa: E402

from ocr_sidecar import checks  # noqa: E402
from ocr_sidecar.eval import DOCUMENT_SUFFIXES  # noqa: E402
from ocr_sidecar.match import values_match  # noqa: E402
from ocr_sidecar.pipeline import ExtractParams, Pipeline, check_pages, validate  # noqa: E402
from ocr_sidecar.settings import Settings  # noqa: E402
from ocr_sidecar.testing import ReplayReadingWords  # noqa: E402

from conftest import load_mapping_lib  # noqa: E402  the addon's lib as a plain package (no Odoo)

load_mapping_lib()
from document_digitize_lib.evidence import value_at  # noqa: E402
from document_digitize_lib.verified import value_paths, verdict  # noqa: E402

_PART = re.compile(r"[^.\[\]]+|\[\d+\]")


def _set(document: dict, path: str, value: Any) -> None:
    parts = _PART.findall(path)
    node: Any = document
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    node[int(last[1:-1]) if last.startswith("[") else last] = value


def _other_text(gold: dict, path: str, value: str, rng: random.Random) -> Optional[str]:
    """Another text of the same kind in the document (another line's description, the other party's street), else
    the text with one digit or letter changed."""
    name = path.rsplit(".", 1)[-1]
    others = [v for p in value_paths(gold) if p.rsplit(".", 1)[-1] == name and p != path
              for v in [value_at(gold, p)] if isinstance(v, str) and v.strip().casefold() != value.strip().casefold()]
    if others and rng.random() < 0.5:
        return rng.choice(others)
    places = [i for i, ch in enumerate(value) if ch.isalnum()]
    if not places:
        return None
    digits = [i for i in places if value[i].isdigit()]
    i = rng.choice(digits or places)
    ch = value[i]
    new = str((int(ch) + rng.randint(1, 9)) % 10) if ch.isdigit() else ("a" if ch.lower() != "a" else "e")
    return value[:i] + (new.upper() if ch.isupper() else new) + value[i + 1:]


def inject(gold: dict, share: float, rng: random.Random) -> tuple[dict, list[str]]:
    """The answer with wrong values in ``share`` of its values (one at least), and their paths."""
    paths = [p for p in value_paths(gold) if p != "document_type" or rng.random() < 0.5]
    if not paths:
        return copy.deepcopy(gold), []
    changed, _ = mutate(gold)
    document = copy.deepcopy(gold)
    injected = []
    for path in rng.sample(paths, max(1, round(share * len(paths)))):
        value = value_at(gold, path)
        new = wrong_value(gold, path, changed, rng)
        if new is None and isinstance(value, str):
            new = _other_text(gold, path, value, rng)
        name = path.rsplit(".", 1)[-1]
        if new is None or new == value or values_match(name, value, new):
            continue
        _set(document, path, new)
        injected.append(path)
    return document, injected


class Tally:
    def __init__(self) -> None:
        self.clean = self.clean_verified = self.injected = self.injected_verified = self.hard = 0
        self.examples: list[str] = []

    def add(self, clean_verdict, injected_verdict, injected_paths: list[str], name: str) -> None:
        self.clean += 1
        self.clean_verified += clean_verdict.verified
        if injected_paths:
            self.injected += 1
            self.hard += clean_verdict.verified  # the clean answer passes: only the injected value can stop it
            if injected_verdict.verified:
                self.injected_verified += 1
                self.examples.append(f"{name}: {', '.join(injected_paths)}")


def judge(document: dict, engine: str, layers: list, second_reader: bool = True):
    """The verdict on an answer read from pages, after what the sidecar does past its engine (stages 3 to 5)."""
    canonical, repair = validate(document)
    data = canonical.model_dump(mode="json")
    warnings = repair + checks.check_document(data)
    pages = check_pages(data, layers, {}, second_reader=second_reader)
    warnings += pages.warnings
    return verdict(data, engine=engine, confirmed=pages.confirmed,
                   evidence=[{"path": e.path, "page": e.page, "source": e.source, "text": e.text, "boxes": e.boxes}
                             for e in pages.evidence],
                   warnings=[{"code": w.code} for w in warnings])


def corpus(folder: Path, images: bool, share: float, rng: random.Random, tallies: dict) -> int:
    """The corpus through the real pipeline, the replay engine answering the gold or the injected answer."""
    engine = ReplayReadingWords(folder)
    engine.load()
    pipeline = Pipeline(Settings(engine="replay", replay_dir=folder, second_reader="on", parse_memory_mb=0), engine)
    count = 0
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        gold_file = path.with_name(path.stem + ".gold.json")
        if suffix not in DOCUMENT_SUFFIXES or suffix == ".xml" or not gold_file.is_file():
            continue
        if suffix != ".pdf" and not images:
            continue
        gold = json.loads(gold_file.read_text())
        content = path.read_bytes()
        verdicts = []
        wrong, injected = inject(gold, share, rng)
        for answer in (gold, wrong):
            engine.add(content, answer)
            result = pipeline.run(ExtractParams(content=content, filename=path.name))
            sources = sorted({layer.source for layer in result.words if layer is not None})
            verdicts.append(verdict(result.document, engine=result.engine, confirmed=result.confirmed,
                                    evidence=[{"path": e.path, "page": e.page, "source": e.source, "text": e.text, "boxes": e.boxes}
                                              for e in result.evidence],
                                    warnings=[{"code": w.code} for w in result.warnings]))
        engine.add(content, gold)
        kind = "born_digital" if sources == ["pdf"] else "scan/photo" if sources else "no words"
        tallies[("corpus", kind)].add(verdicts[0], verdicts[1], injected, path.name)
        count += 1
    return count


def synthetic(seed: int, count: int, share: float, rng: random.Random, tallies: dict) -> int:
    from ocr_sidecar.reader.synth import samples  # noqa: PLC0415

    done = 0
    for index, sample in enumerate(samples(seed=seed, count=count)):
        gold = sample.gold if isinstance(sample.gold, dict) else sample.gold.model_dump(mode="json")
        wrong, injected = inject(gold, share, rng)
        clean = judge(gold, "internvl", sample.layers)
        tallies[("synthetic", sample.kind)].add(clean, judge(wrong, "internvl", sample.layers), injected,
                                                f"synthetic #{index} ({sample.kind}, {sample.doc_type})")
        done += 1
    return done


def share_of(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "—"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=Path, default=ROOT.parent / "shared" / "data" / "documents")
    parser.add_argument("--count", type=int, default=400, help="generated documents (besides the corpus)")
    parser.add_argument("--seed", type=int, default=34, help="the generator's and the injection's seed")
    parser.add_argument("--share", type=float, default=0.1, help="share of a document's values made wrong")
    parser.add_argument("--images", action="store_true", help="the corpus's scans and photos too (OCR: seconds each)")
    parser.add_argument("--show", type=int, default=5, help="wrong documents marked verified to list")
    ns = parser.parse_args()
    rng = random.Random(ns.seed)
    tallies: dict = defaultdict(Tally)
    started = time.perf_counter()
    n_corpus = corpus(ns.documents, ns.images, ns.share, rng, tallies) if ns.documents.is_dir() else 0
    n_synth = synthetic(ns.seed, ns.count, ns.share, rng, tallies)
    print(f"{n_corpus + n_synth} documents ({n_corpus} of the corpus, {n_synth} generated, seed {ns.seed}), "
          f"wrong values in {ns.share:.0%} of each one's values, in {time.perf_counter() - started:.0f} s\n")
    print("| source | kind | documents | injected answers marked verified (goal 0) | of which the clean answer is "
          "verified | clean answers verified |")
    print("|---|---|---:|---:|---:|---:|")
    total = Tally()
    for (source, kind), tally in sorted(tallies.items()):
        print(f"| {source} | {kind} | {tally.clean} | {share_of(tally.injected_verified, tally.injected)} | "
              f"{tally.hard} | {share_of(tally.clean_verified, tally.clean)} |")
        for name in ("clean", "clean_verified", "injected", "injected_verified", "hard"):
            setattr(total, name, getattr(total, name) + getattr(tally, name))
        total.examples += tally.examples
    print(f"| all | | {total.clean} | {share_of(total.injected_verified, total.injected)} | {total.hard} | "
          f"{share_of(total.clean_verified, total.clean)} |")
    met = total.injected_verified == 0 and total.clean >= 200
    print(f"\ngoal: no document with an injected wrong value verified, over ≥ 200 documents: {'MET' if met else 'MISSED'}")
    for line in total.examples[:ns.show]:
        print(f"  verified with a wrong value: {line}")
    return 0 if total.injected_verified == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
