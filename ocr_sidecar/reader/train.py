"""Trains the words reader's model from generated documents only (``synth.py``), reproducibly from a seed.

    python -m ocr_sidecar.reader.train [--seed 1] [--samples 3000] [--receipts 0] [--members 1]
        [--out ocr_sidecar/reader/words_reader.json.gz]

Every document's candidates are generated as at reading time; a candidate is right for a field when it matches the
generated document's gold value by the evaluation's own rules (``match.py``). Four documents in five train each
field's classifier, the fifth fits its calibration (scored across header layouts: ``train``). The shared corpus and
every public set are never read here.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from pathlib import Path
from typing import Iterable, Optional

from ..match import values_match
from . import candidates as gen
from . import features as feat
from .model import MODEL_FILE, Calibration, save
from .read import by_ocr
from .reading import value_at

PARAMS = {"objective": "binary", "learning_rate": 0.08, "num_leaves": 31, "min_data_in_leaf": 20,
          "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
          "deterministic": True, "force_row_wise": True, "num_threads": 2, "verbose": -1}
ROUNDS = 150
CALIBRATION_MIN = 500  # held-out candidates of OCR'd pages a field needs for a calibration of their own


def right(path: str, candidate: gen.Candidate, gold: dict, doc_type: Optional[str] = None) -> bool:
    if path == "document_type":
        return candidate.value == (gold.get("document_type") or doc_type)
    if path == gen.TAX_ROWS:
        rate, base, amount = candidate.value
        return any(values_match("rate", row.get("rate"), rate) and values_match("amount", row.get("amount"), amount)
                   and (base is None or values_match("base", row.get("base"), base))
                   for row in gold.get("taxes") or [] if isinstance(row, dict))
    expected = value_at(gold, path)
    if expected is None:
        return False
    return values_match(path.rsplit(".", 1)[-1], expected, candidate.value)


def table(samples: Iterable) -> tuple[dict, dict, dict, dict]:
    """Per kind: feature rows and the document each came from; per field: which rows are right; per document (in
    ``counts["layouts"]``) its header layout."""
    rows: dict[str, list] = {kind: [] for kind in gen.KINDS}
    docs: dict[str, list[int]] = {kind: [] for kind in gen.KINDS}
    labels: dict[str, list[int]] = {path: [] for path in gen.KIND_OF}
    counts: dict = {"documents": 0, "candidates": 0, "layouts": [], "ocr": []}
    for index, sample in enumerate(samples):
        counts["layouts"].append((str((getattr(sample, "style", None) or {}).get("header")),
                                  str(getattr(sample, "lang", ""))))
        counts["ocr"].append(by_ocr(sample.layers))
        found = feat.generate(sample.layers)
        counts["documents"] += 1
        counts["candidates"] += len(found)
        for kind in gen.KINDS:
            mine = [c for c in found if c.kind == kind]
            rows[kind] += feat.matrix(mine)
            docs[kind] += [index] * len(mine)
            for path, of in gen.KIND_OF.items():
                if of == kind:
                    labels[path] += [int(right(path, c, sample.gold, getattr(sample, "doc_type", None)))
                                     for c in mine]
    return rows, docs, labels, counts


def _halves(layouts: list[tuple[str, str]]) -> list[tuple[int, int]]:
    """Each document's half (0 or 1) of the header layouts and of the languages: each in name order, every other
    one."""
    out = []
    for part in range(2):
        names = sorted({layout[part] for layout in layouts})
        out.append([names.index(layout[part]) % 2 for layout in layouts])
    return list(zip(*out))


def _fit(x, y, mask, seed: int):  # noqa: ANN001, ANN202 - numpy arrays and mask; a LightGBM booster
    import lightgbm  # noqa: PLC0415

    params = {**PARAMS, "seed": seed}
    if mask.sum() < 100:  # a tiny set (a short test run): bagging could draw no row at all
        params.update(bagging_fraction=1.0, bagging_freq=0)
    return lightgbm.train(params, lightgbm.Dataset(x[mask], y[mask], feature_name=list(feat.FEATURES)),
                          num_boost_round=ROUNDS)


def train(samples: Iterable, seed: int) -> tuple[dict, dict]:
    """Each field's classifier on four documents in five; its calibration on the fifth, scored *across layouts and
    languages*: a classifier trained on the header layouts of one half and the languages of one half scores the
    held-out documents of the other halves, so the calibration learns how sure the ranking should be on layouts and
    wordings it never saw (as every real document is to it). Scored by the field's own classifier, held-out
    documents of known layouts made the scores too sharp on real pages (right ones scored near 0, wrong ones
    near 1)."""
    import numpy  # noqa: PLC0415

    rows, docs, labels, counts = table(samples)
    halves = _halves(counts.pop("layouts"))
    ocr = counts.pop("ocr")
    fields: dict[str, dict] = {}
    report: dict[str, dict] = {}
    for path, kind in gen.KIND_OF.items():
        x = numpy.asarray(rows[kind], dtype=float)
        y = numpy.asarray(labels[path], dtype=int)
        held = numpy.asarray([d % 5 == 4 for d in docs[kind]], dtype=bool)
        layout = numpy.asarray([halves[d][0] for d in docs[kind]], dtype=int)
        lang = numpy.asarray([halves[d][1] for d in docs[kind]], dtype=int)
        if len(x) == 0 or y[~held].sum() == 0:
            continue
        booster = _fit(x, y, ~held, seed)
        raw, right_, read = [], [], []
        for part in ((0, 0), (0, 1), (1, 0), (1, 1)):
            train_mask = ~held & (layout != part[0]) & (lang != part[1])
            score_mask = held & (layout == part[0]) & (lang == part[1])
            if y[train_mask].sum() == 0:
                train_mask = ~held  # no right candidate of this field there: its own classifier scores them
            if score_mask.any():
                raw += list(_fit(x, y, train_mask, seed).predict(x[score_mask]))
                right_ += list(y[score_mask])
                read += [ocr[d] for d, scored in zip(docs[kind], score_mask) if scored]
        calibration = Calibration.fit(raw, right_)
        fields[path] = {"model": booster.model_to_string(), "calibration": {"x": calibration.x, "y": calibration.y}}
        # pages read by OCR (scans, photos) are mapped apart: their misreads make the same raw score less sure
        scanned = [(r, label) for r, label, by_ocr in zip(raw, right_, read) if by_ocr]
        if len(scanned) >= CALIBRATION_MIN and sum(label for _, label in scanned) >= 10:
            on_ocr = Calibration.fit(*zip(*scanned))
            fields[path]["calibration_ocr"] = {"x": on_ocr.x, "y": on_ocr.y}
        report[path] = {"candidates": int(len(y)), "right": int(y.sum())}
    return fields, {**counts, "fields": report}


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--receipts", type=int, default=0,
                        help="generated receipts (synth/receipts.py: restaurants, taxis, fuel, hotels, shops) added, "
                             "drawn from seed + 100")
    parser.add_argument("--members", type=int, default=1,
                        help="classifiers per field, the k-th trained on documents drawn from seed + k; their "
                             "scores are averaged")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    from .synth import samples  # noqa: PLC0415
    from .synth.receipts import word_samples  # noqa: PLC0415

    started = time.perf_counter()
    members, reports = [], []
    for seed in range(args.seed, args.seed + args.members):
        random.seed(seed)
        drawn = itertools.chain(samples(seed, args.samples), word_samples(seed + 100, args.receipts))
        fields, report = train(drawn, seed)
        members.append(fields)
        reports.append(report)
    trained = {"seed": args.seed, "members": args.members, "samples": args.samples, "receipts": args.receipts,
               "documents": sum(r["documents"] for r in reports), "candidates": sum(r["candidates"] for r in reports)}
    save(args.out, feat.FEATURES, members, trained)
    print(f"trained {len(members)} × {len(members[0])} fields on {trained['documents']} generated documents "
          f"({trained['candidates']} candidates) in {time.perf_counter() - started:.0f} s → {args.out} "
          f"({args.out.stat().st_size / 1e6:.2f} MB)")
    for path, numbers in reports[0]["fields"].items():
        print(f"  {path:18} {numbers['right']:6} right of {numbers['candidates']:7} (the first member's)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
