r"""The words reader (issue #33) measured on documents never used in its training: for each header field, is the
best candidate right (top-1), is the right value among the first three (top-3), are the scores calibrated, how
long does a page take; and, with ``--agreement``, how well ``agree.compare`` tells a wrong answer from a right one.

    python benchmarks/words_reader.py [--sets corpus-pdf,corpus-images,public,synthetic] [--documents DIR]
        [--public-dir DIR] [--seed 907] [--count 300] [--agreement] [--inject-share 0.3]
        [--show-misses 20] [--json-out FILE]

Sets (``--sets``, comma-separated; default: all four, a set whose documents are missing is said so and left out):

- ``corpus-pdf``: the born-digital PDFs of ../shared/data/documents (``i2d_*``, ``fx_*``, ``ox_*``), their words
  from the PDF's text layer as the sidecar opens them (``inputs.open_words`` with ``read_einvoice=False``: the
  Factur-X / Order-X XML inside ``fx_*`` / ``ox_*`` is never read). Gold: ``<name>.gold.json`` (what is printed).
- ``corpus-images``: the ``img_*`` scans and photos, their words from the sidecar's OCR (RapidOCR, ``ocr.py``).
  OCR takes seconds a page, so its raw words are cached in ``benchmarks/.cache/words_reader/`` (git-ignored),
  keyed by the file's SHA-256 and the source of ``ocr.py`` and ``inputs.py``; the OCR time is reported apart.
  Kind: ``photo`` where MANIFEST.csv's notes say so, else ``scan``. Gold: ``<name>.gold.json``.
- ``public``: Factur-X / ZUGFeRD / Order-X PDFs of public repositories (``--public-dir``, searched recursively;
  none of them is committed here). Gold: the embedded XML as the project's e-invoice reader
  (``ocr_sidecar.einvoice.try_extract``) maps it, an exact gold for layouts nobody here drew; the words reader sees
  only the printed text layer. The XML may state values the page does not print: the figures count a field only
  where ``locate`` finds its gold value on the page (``document_type`` and ``currency`` always), and the
  rollup over every XML value is printed beside them. Left out and counted: PDFs whose XML cannot be read, whose
  text layer is empty, that their suite marks as failing or invalid (a path naming ``fail``, ``invalid``,
  ``corrupt``), that are a corpus document (same bytes, or the same number, date and total), or the same
  invoice as an earlier file (the same samples ship in several profiles and repositories).
- ``synthetic``: ``ocr_sidecar.reader.synth.samples(seed, count)`` with ``--seed`` (default 907; training uses
  other seeds), reported by kind (born_digital / scan / photo). Gold: the generator's own.

Where to get the public PDFs (Apache-2.0: ZUGFeRD/mustangproject, ZUGFeRD/corpus; BSD: akretion/factur-x, a
single fixture). With clones at $SRC/<owner>+<name>, or the workplace's ``fetch`` mirrors (SRC=/work/.mirror; the
bare repository is the ``repo`` folder inside):

    for r in ZUGFeRD+mustangproject ZUGFeRD+corpus akretion+factur-x; do g=$SRC/$r; [ -d $g/repo ] && g=$g/repo
      mkdir -p /tmp/words_public/$r
      git -C $g ls-tree -r -z --name-only HEAD | tr '\0' '\n' | grep -i '\.pdf$' | while IFS= read -r p; do
        git -C $g cat-file -p "HEAD:$p" > "/tmp/words_public/$r/$(echo "$p" | tr / _)"; done; done
    python benchmarks/words_reader.py --sets public --public-dir /tmp/words_public

Figures, per set and per kind: top-1 and top-3 for each path of ``HEADER_PATHS`` and the tax summary rows
(``taxes[].rate`` / ``.base`` / ``.amount``: the reader's rows paired with the gold's as a set, the pairing that
gets most values right), only where the gold has the value; a field with a gold value and no candidate is wrong.
The rollup "header" is every such field, tax rows included. Values are compared by the eval harness's rules
(``ocr_sidecar.eval.values_match``: numbers within half a cent, dates as dates, VAT ids and IBANs compacted,
names fuzzily ≥ 90). ECE: expected calibration error over every candidate scored (10 equal-width bins of its
score, each candidate right or not). Time: ``read_layers`` per page (median, p90; words prepared beforehand, a
first untimed call loads the model). Lines, where the reader proposes them, are scored apart (the eval harness's
pairing). Filled where the gold has no value: the header fields (``HEADER_PATHS``) the reader's document sets
(its best candidates, those it keeps) where the gold leaves them empty, of all such empty fields — values a clerk
would have to clear; on the public set an upper bound, its XML may leave out what the page prints. Then each goal of
the issue, MET or MISSED, for born-digital pages and for scans and photos. Exits 1 when the reader raised on a
document (counted as proposing nothing).

``--agreement``: every document's gold is given to ``ocr_sidecar.reader.agree.compare(document, reading)`` as
another reader's answer, as is and with wrong values injected into ``--inject-share`` of its header fields
(``HEADER_PATHS``; the tax rows too with ``--agree-taxes``, once ``compare`` checks them): numbers and identifiers
changed as ``evidence_recall.mutate`` changes them, dates moved or day and month swapped, names swapped between the
parties or replaced, currency and type changed. Counted: injected wrong values flagged (goal ≥ 90 %), right values
flagged (goal ≤ 3 %), over both answers. On the public set the same is printed again over the values the page
prints (``locate`` finds them): its XML states values the page does not show, which a reader of the page rightly
calls printed nowhere. The goals count those, as top-1 does: the public set's printed values, every value of the
others (their gold is what the page prints); the figure over every XML value stays printed beside them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from words_reader_score import (  # noqa: E402
    SCORED_PATHS,
    agreement,
    ece,
    false_fills,
    p90,
    score_lines,
    score_reading,
)
from words_reader_sets import (  # noqa: E402
    CACHE,
    DOCUMENTS,
    Doc,
    corpus_image_docs,
    corpus_pdf_docs,
    public_docs,
    synthetic_docs,
)

from ocr_sidecar import reader as words_reader  # noqa: E402
from ocr_sidecar.reader import Reading  # noqa: E402
from ocr_sidecar.reader.agree import name_core  # noqa: E402

SETS = ("corpus-pdf", "corpus-images", "public", "synthetic")
BORN_DIGITAL, SCANS = "born-digital", "scans/photos"  # the two groups the goals name
GROUP_OF = {"born_digital": BORN_DIGITAL, "scan": SCANS, "photo": SCANS}


# --- tallies and the report --------------------------------------------------------------------------------------


@dataclass
class Tally:
    documents: int = 0
    pages: int = 0
    errors: list = field(default_factory=list)
    fields: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))  # path -> [n, top1, top3]
    every_field: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))  # printed or not
    points: list = field(default_factory=list)  # (score, right) of the printed fields' candidates
    every_point: list = field(default_factory=list)
    ms: list = field(default_factory=list)  # read_layers per page, per document
    ocr_ms: list = field(default_factory=list)
    lines: list = field(default_factory=lambda: [0, 0])
    agree: list = field(default_factory=lambda: [0, 0, 0, 0])  # injected, caught, right, falsely flagged
    agree_printed: list = field(default_factory=lambda: [0, 0, 0, 0])  # the same over values the page prints
    # what the goals count: the values the page prints where the gold states others too (the public set's XML), as
    # top-1 does; every value elsewhere (the corpus' and the generator's gold is what the page prints)
    agree_goal: list = field(default_factory=lambda: [0, 0, 0, 0])
    misses: list = field(default_factory=list)
    fills: list = field(default_factory=lambda: [0, 0])  # header fields filled where the gold has none, of those
    fill_paths: Counter = field(default_factory=Counter)
    # party names not among the first three that a candidate among them names but for legal forms and salutations
    # ("Au bon moulin SARL" for a gold "Au bon moulin"): wrong by the evaluation's rule, counted apart to say so
    legal_only: int = 0

    def add(self, other: Tally) -> None:
        self.documents += other.documents
        self.pages += other.pages
        self.errors += other.errors
        for mine, theirs in ((self.fields, other.fields), (self.every_field, other.every_field)):
            for path, row in theirs.items():
                mine[path] = [a + b for a, b in zip(mine[path], row)]
        self.points += other.points
        self.every_point += other.every_point
        self.ms += other.ms
        self.ocr_ms += other.ocr_ms
        self.legal_only += other.legal_only
        self.lines = [a + b for a, b in zip(self.lines, other.lines)]
        self.agree = [a + b for a, b in zip(self.agree, other.agree)]
        self.agree_printed = [a + b for a, b in zip(self.agree_printed, other.agree_printed)]
        self.agree_goal = [a + b for a, b in zip(self.agree_goal, other.agree_goal)]
        self.fills = [a + b for a, b in zip(self.fills, other.fills)]
        self.fill_paths.update(other.fill_paths)

    def header(self, every: bool = False) -> list[int]:
        rows = (self.every_field if every else self.fields).values()
        return [sum(r[i] for r in rows) for i in range(3)]

    def as_json(self) -> dict:
        n, top1, top3 = self.header()
        return {"documents": self.documents, "pages": self.pages, "errors": self.errors,
                "fields": {p: dict(zip(("n", "top1", "top3"), r)) for p, r in self.fields.items()},
                "header": {"n": n, "top1": top1, "top3": top3, "top3_misses_legal_form_only": self.legal_only},
                "every_xml_field": {p: dict(zip(("n", "top1", "top3"), r)) for p, r in self.every_field.items()},
                "ece": ece(self.points), "candidates": len(self.points),
                "ms_per_page": {"median": statistics.median(self.ms), "p90": p90(self.ms)} if self.ms else None,
                "ocr_ms_per_page": {"median": statistics.median(self.ocr_ms)} if self.ocr_ms else None,
                "lines": {"matched": self.lines[0], "scored": self.lines[1]},
                "agreement": dict(zip(("injected", "caught", "right", "falsely_flagged"), self.agree)),
                "agreement_printed": dict(zip(("injected", "caught", "right", "falsely_flagged"),
                                              self.agree_printed)),
                "agreement_goal": dict(zip(("injected", "caught", "right", "falsely_flagged"), self.agree_goal)),
                "false_fills": {"filled": self.fills[0], "empty_in_gold": self.fills[1],
                                "by_path": dict(self.fill_paths)},
                "misses": self.misses}


def read(layers: list) -> Reading:
    return words_reader.read_layers(layers)


def measure(docs: Iterable[Doc], tallies: dict, agree: bool = False, share: float = 0.3, seed: int = 907,
            show_misses: int = 0, warm: Optional[list] = None, agree_taxes: bool = False) -> None:
    """Read every document and add its figures to ``tallies[(set, kind)]``."""
    rng = random.Random(seed)
    rng_printed = random.Random(seed)  # its own draws: the figures over every value stay as they were
    warmed = warm if warm is not None else []
    for doc in docs:
        tally = tallies.setdefault((doc.set, doc.kind), Tally())
        pages = max(len(doc.layers), 1)
        if not warmed:  # the first call loads the model: not timed
            try:
                read(doc.layers)
            except Exception:  # noqa: BLE001 - counted below, on the timed call
                pass
            warmed.append(True)
        started = time.perf_counter()
        try:
            reading = read(doc.layers)
        except Exception as exc:  # noqa: BLE001 - a reader that fails proposes nothing: every field wrong
            tally.errors.append(f"{doc.name}: {type(exc).__name__}: {exc}"[:300])
            reading = Reading(document={}, candidates={})
        else:
            tally.ms.append((time.perf_counter() - started) * 1000 / pages)
        tally.documents += 1
        tally.pages += pages
        if doc.ocr_ms is not None:
            tally.ocr_ms.append(doc.ocr_ms)
        outcomes, points = score_reading(doc.gold, reading, doc.printed)
        for o in outcomes:
            for table, counted in ((tally.every_field, True), (tally.fields, o.printed)):
                if counted:
                    row = table[o.path]
                    row[0] += 1
                    row[1] += o.top1
                    row[2] += o.top3
            if o.printed and not o.top3 and o.path.endswith(".name") and any(
                    name_core(o.gold) == name_core(value) for value in o.proposed):
                tally.legal_only += 1
            if o.printed and not o.top1 and len(tally.misses) < show_misses:
                tally.misses.append({"document": doc.name, "path": o.path, "gold": o.gold, "top3": o.proposed,
                                     "in_top3": bool(o.top3)})
        tally.points += [(s, r) for s, r, shown in points if shown]
        tally.every_point += [(s, r) for s, r, _ in points]
        filled, empty = false_fills(doc.gold, reading)
        tally.fills = [tally.fills[0] + len(filled), tally.fills[1] + empty]
        tally.fill_paths.update(filled)
        matched, scored = score_lines(doc.gold, reading)
        tally.lines[0] += matched
        tally.lines[1] += scored
        if agree:
            counts = agreement(doc.gold, reading, share, rng, agree_taxes)
            tally.agree = [a + b for a, b in zip(tally.agree, counts)]
            if doc.printed is not None:  # a public set's XML states values its page does not print
                counts = agreement(doc.gold, reading, share, rng_printed, agree_taxes, doc.printed)
                tally.agree_printed = [a + b for a, b in zip(tally.agree_printed, counts)]
            tally.agree_goal = [a + b for a, b in zip(tally.agree_goal, counts)]


def share(k: int, n: int) -> str:
    return f"{k}/{n} = {k / n:.1%}" if n else "—"


def grouped(tallies: dict, sets: Iterable[str]) -> dict[str, Tally]:
    """The tallies of ``sets`` summed by the goals' groups (born-digital, scans/photos)."""
    out: dict[str, Tally] = {}
    for (name, kind), tally in tallies.items():
        if name in sets:
            out.setdefault(GROUP_OF.get(kind, kind), Tally()).add(tally)
    return out


def goals(group: str, tally: Tally) -> list[tuple[str, bool, str]]:
    """(goal, met, figure) of the issue's goals that apply to ``group`` and have something measured."""
    born = group == BORN_DIGITAL
    out = []
    n, top1, top3 = tally.header()
    if n:
        for label, k, floor in (("header top-1", top1, 0.90 if born else 0.80),
                                ("header top-3", top3, 0.97 if born else 0.90)):
            figure = share(k, n)
            if label == "header top-3" and tally.legal_only:
                figure += f"; of the misses, {tally.legal_only} party names a candidate gives but for a legal form"
            out.append((f"{label} ≥ {floor:.0%}", k / n >= floor, figure))
    if born:
        for path in ("total", "document_number"):
            m, k, _ = tally.fields.get(path, [0, 0, 0])
            if m:
                out.append((f"{path} top-1 ≥ 95%", k / m >= 0.95, share(k, m)))
    if tally.ms:
        median = statistics.median(tally.ms)
        extra = f" (+ OCR {statistics.median(tally.ocr_ms):.0f} ms)" if tally.ocr_ms else ""
        out.append(("≤ 200 ms per page (median)", median <= 200, f"{median:.1f} ms{extra}"))
    error = ece(tally.points)
    if error is not None:
        out.append(("ECE ≤ 5%", error <= 0.05, f"{error:.2%} over {len(tally.points)} candidates"))
    injected, caught, right, false = tally.agree_goal
    if injected:
        out.append(("disagreement on injected wrong values ≥ 90%", caught / injected >= 0.90, share(caught, injected)))
    if right:
        out.append(("false disagreements on right values ≤ 3%", false / right <= 0.03, share(false, right)))
    return out


def report(tallies: dict, sets: list[str]) -> None:
    kinds = sorted({kind for (_, kind) in tallies}, key=lambda k: list(GROUP_OF).index(k) if k in GROUP_OF else 9)
    for name in sets:
        columns = [(kind, tallies[(name, kind)]) for kind in kinds if (name, kind) in tallies]
        if not columns:
            continue
        print(f"\n## {name}\n")
        print("| field | " + " | ".join(f"{k} top-1 | {k} top-3" for k, _ in columns) + " |")
        print("|---|" + "---:|---:|" * len(columns))
        paths = [p for p in SCORED_PATHS if any(p in t.fields for _, t in columns)]
        for path in paths:
            cells = [f"{share(t.fields[path][1], t.fields[path][0])} | {share(t.fields[path][2], t.fields[path][0])}"
                     if path in t.fields else "— | —" for _, t in columns]
            print(f"| {path} | " + " | ".join(cells) + " |")
        cells = []
        for _, t in columns:
            n, top1, top3 = t.header()
            cells.append(f"**{share(top1, n)}** | **{share(top3, n)}**")
        print("| **header (all of the above)** | " + " | ".join(cells) + " |")
        if name == "public":
            cells = []
            for _, t in columns:
                n, top1, top3 = t.header(every=True)
                cells.append(f"{share(top1, n)} | {share(top3, n)}")
            print("| header, every value the XML states (printed or not) | " + " | ".join(cells) + " |")
        print()
        for kind, t in columns:
            error = ece(t.points)
            ms = (f"read {statistics.median(t.ms):.1f} ms / p90 {p90(t.ms):.1f} ms per page" if t.ms
                  else "read: no timing")
            ocr = f", OCR {statistics.median(t.ocr_ms):.0f} ms per page (median, apart)" if t.ocr_ms else ""
            lines = f", lines {share(*t.lines)}" if t.lines[1] else ""
            calibration = f"ECE {error:.2%} over {len(t.points)} candidates" if error is not None else "no candidates"
            print(f"- {kind}: {t.documents} documents, {t.pages} pages; {calibration}; {ms}{ocr}{lines}"
                  + (f"; reader errors: {len(t.errors)}" if t.errors else ""))
            if t.fills[1]:
                common = ", ".join(f"{path} {n}" for path, n in t.fill_paths.most_common(4))
                print(f"  filled where the gold has no value: {share(*t.fills)} of the empty header fields"
                      + (f" ({common})" if common else ""))
            injected, caught, right, false = t.agree
            if injected or right:
                print(f"  agreement: injected wrong values flagged {share(caught, injected)}, "
                      f"right values flagged {share(false, right)}")
            injected, caught, right, false = t.agree_printed
            if injected or right:
                print(f"  agreement over the values the page prints: injected wrong values flagged "
                      f"{share(caught, injected)}, right values flagged {share(false, right)}")
            for error_text in t.errors[:5]:
                print(f"  error {error_text}")
            for miss in t.misses:
                flag = "" if miss["in_top3"] else " (not in the first three)"
                print(f"  miss {miss['document']} {miss['path']}: gold {miss['gold']!r}, top-3 {miss['top3']!r}{flag}")
    print("\n## Goals (issue #33)\n")
    real = [s for s in sets if s != "synthetic"]
    scopes = [(name, [name]) for name in sets] + ([("real documents (" + ", ".join(real) + ")", real)]
                                                  if len(real) > 1 else [])
    for label, members in scopes:
        for group, tally in sorted(grouped(tallies, members).items()):
            for goal, met, figure in goals(group, tally):
                print(f"- {label}, {group}: {goal}: {'MET' if met else 'MISSED'} ({figure})")


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    parser.add_argument("--documents", type=Path, default=DOCUMENTS, help="the corpus (documents with .gold.json)")
    parser.add_argument("--glob", default="*", help="corpus files to take (e.g. 'i2d_*')")
    parser.add_argument("--public-dir", type=Path, help="Factur-X / ZUGFeRD PDFs (recursive); see above")
    parser.add_argument("--seed", type=int, default=907, help="synthetic samples' seed (training uses others)")
    parser.add_argument("--count", type=int, default=300, help="synthetic samples")
    parser.add_argument("--limit", type=int, default=0, help="at most this many documents per set")
    parser.add_argument("--cache-dir", type=Path, default=CACHE, help="OCR word layers of the images")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--agreement", action="store_true", help="measure agree.compare with injected wrong values")
    parser.add_argument("--agree-taxes", action="store_true", help="inject into the tax rows too")
    parser.add_argument("--inject-share", type=float, default=0.3, help="share of a document's fields made wrong")
    parser.add_argument("--show-misses", type=int, default=0, help="list this many wrong top-1 fields per set/kind")
    parser.add_argument("--json-out", type=Path, help="write every figure to this JSON file")
    ns = parser.parse_args(argv)
    sets = [s.strip() for s in ns.sets.split(",") if s.strip()]
    unknown = [s for s in sets if s not in SETS]
    if unknown:
        parser.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(SETS)}")
    cache = None if ns.no_cache else ns.cache_dir
    skipped: Counter = Counter()
    tallies: dict = {}
    warm: list = []
    started = time.perf_counter()
    for name in sets:
        if name.startswith("corpus") and not ns.documents.is_dir():
            print(f"{name}: no corpus at {ns.documents} (--documents); left out", file=sys.stderr)
            continue
        if name == "public" and (ns.public_dir is None or not ns.public_dir.is_dir()):
            print("public: no --public-dir (see the docstring for where the PDFs come from); left out",
                  file=sys.stderr)
            continue
        if name == "synthetic" and "ocr_sidecar.reader.synth" not in sys.modules \
                and importlib.util.find_spec("ocr_sidecar.reader.synth") is None:
            print("synthetic: no ocr_sidecar.reader.synth (the generator); left out", file=sys.stderr)
            continue
        if name == "corpus-pdf":
            docs: Iterable[Doc] = corpus_pdf_docs(ns.documents, ns.glob)
        elif name == "corpus-images":
            docs = corpus_image_docs(ns.documents, cache, ns.glob)
        elif name == "public":
            docs = public_docs(ns.public_dir, ns.documents if ns.documents.is_dir() else None, skipped)
        else:
            docs = synthetic_docs(ns.seed, ns.count)
        if ns.limit:
            docs = (doc for i, doc in zip(range(ns.limit), docs))
        measure(docs, tallies, agree=ns.agreement, share=ns.inject_share, seed=ns.seed,
                show_misses=ns.show_misses, warm=warm, agree_taxes=ns.agree_taxes)
    if skipped:
        print("public PDFs left out: " + ", ".join(f"{reason}: {n}" for reason, n in sorted(skipped.items())))
    report(tallies, sets)
    print(f"\n{sum(t.documents for t in tallies.values())} documents in {time.perf_counter() - started:.0f} s")
    errors = sum(len(t.errors) for t in tallies.values())
    if errors:
        print(f"the reader failed on {errors} documents (counted as proposing nothing)", file=sys.stderr)
    if ns.json_out:
        ns.json_out.write_text(json.dumps({
            "sets": {f"{name}/{kind}": t.as_json() for (name, kind), t in sorted(tallies.items())},
            "public_left_out": dict(skipped),
            "goals": {f"{name}/{group}": [{"goal": g, "met": m, "figure": f} for g, m, f in goals(group, t)]
                      for name in sets for group, t in sorted(grouped(tallies, [name]).items())},
            "seed": ns.seed, "count": ns.count, "inject_share": ns.inject_share}, indent=1, default=str))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
