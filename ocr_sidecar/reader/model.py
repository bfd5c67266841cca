"""The ranking model: per field, LightGBM classifiers over the candidates of its kind, each with an isotonic map from
its raw score to the share of right candidates (so a 0.9 is right about 9 times in 10); a candidate's score is the
mean of its members' (a bag: members trained on documents drawn from seeds of their own, which disagree where a
layout is like none they saw).

The file (``words_reader.json.gz``, next to this module) holds, per member and field, the booster as LightGBM's own
text (what prediction reads of it: the trees' statistics are left out) and the calibration's breakpoints;
``train.py`` writes it from documents the project generates. LightGBM: gradient-
boosted trees handle the mix of features here (label distances that are absent for most candidates, positions,
magnitudes) without scaling or imputation, train in seconds, and its text format is stable across versions and
loads in milliseconds — see docs/words_reader.md for the choice against XGBoost and scikit-learn.
"""

from __future__ import annotations

import bisect
import gzip
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

MODEL_FILE = Path(__file__).with_name("words_reader.json.gz")
FORMAT = 2
# what LightGBM writes of a tree that prediction never reads (its training statistics)
_STATISTICS = ("split_gain=", "leaf_weight=", "leaf_count=", "internal_value=", "internal_weight=",
               "internal_count=", "tree_sizes=")


@dataclass
class Calibration:
    """A non-decreasing step map from a raw score to a probability (isotonic regression's breakpoints)."""

    x: list[float]
    y: list[float]

    def __call__(self, raw: float) -> float:
        if not self.x:
            return raw
        index = bisect.bisect_right(self.x, raw) - 1
        if index < 0:
            return self.y[0]
        if index >= len(self.x) - 1:
            return self.y[-1]
        x0, x1, y0, y1 = self.x[index], self.x[index + 1], self.y[index], self.y[index + 1]
        return y0 + (y1 - y0) * (raw - x0) / (x1 - x0) if x1 > x0 else y1

    @classmethod
    def fit(cls, raw: Sequence[float], right: Sequence[int], points: int = 40) -> "Calibration":
        """Pool-adjacent-violators over the raw scores, kept to at most ``points`` breakpoints."""
        pairs = sorted(zip(raw, right))
        blocks: list[list[float]] = []  # [sum of right, count, lowest raw, highest raw]
        for score, label in pairs:
            blocks.append([float(label), 1.0, score, score])
            while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
                last = blocks.pop()
                blocks[-1][0] += last[0]
                blocks[-1][1] += last[1]
                blocks[-1][3] = last[3]
        xs = [(b[2] + b[3]) / 2 for b in blocks]
        ys = [b[0] / b[1] for b in blocks]
        if len(xs) > points:
            keep = sorted({round(i * (len(xs) - 1) / (points - 1)) for i in range(points)})
            xs, ys = [xs[i] for i in keep], [ys[i] for i in keep]
        return cls([round(v, 6) for v in xs], [round(v, 6) for v in ys])


class Model:
    def __init__(self, data: dict):
        import lightgbm  # noqa: PLC0415 - only the words reader needs it

        if data.get("format") != FORMAT:
            raise ValueError(f"words reader model format {data.get('format')!r}; this code reads {FORMAT}")
        self.features: list[str] = data["features"]
        self.trained: dict = data.get("trained", {})
        self.members = [_Member(fields, lightgbm) for fields in data["members"]]
        self.boosters = {path: [m.boosters[path] for m in self.members] for path in self.members[0].boosters}
        # the fields every member maps apart for pages read by OCR (a member without such a map uses its one map)
        self.ocr_fields = set.intersection(*(set(m.ocr_calibrations) for m in self.members))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "Model":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls(json.load(handle))

    def scores(self, path: str, rows, ocr: bool = False) -> list[float]:  # noqa: ANN001 - numpy feature rows
        """Each row's calibrated score, its members' mean; ``ocr``: the page's words were read by OCR (a scan, a
        photo)."""
        each = [member.scores(path, rows, ocr) for member in self.members]
        return [sum(scores) / len(scores) for scores in zip(*each)]


class _Member:
    """One classifier and calibration per field."""

    def __init__(self, fields: dict, lightgbm) -> None:  # noqa: ANN001 - the lightgbm module
        self.boosters = {path: lightgbm.Booster(model_str=spec["model"]) for path, spec in fields.items()}
        self.calibrations = {path: Calibration(**spec["calibration"]) for path, spec in fields.items()}
        # a field's map for pages read by OCR, where the model file has one (else the one map serves both)
        self.ocr_calibrations = {path: Calibration(**spec["calibration_ocr"]) for path, spec in fields.items()
                                 if "calibration_ocr" in spec}

    def scores(self, path: str, rows, ocr: bool) -> list[float]:  # noqa: ANN001 - numpy feature rows
        raw = self.boosters[path].predict(rows)
        calibrate = (self.ocr_calibrations.get(path) if ocr else None) or self.calibrations[path]
        return [min(max(calibrate(float(r)), 0.0), 1.0) for r in raw]


def for_prediction(model: str) -> str:
    """A booster's text without the trees' training statistics (half its size; it predicts the same)."""
    return "\n".join(line for line in model.split("\n") if not line.startswith(_STATISTICS))


def save(path: Path, features: Sequence[str], members: Sequence[dict[str, dict]], trained: dict) -> None:
    members = [{field: {**spec, "model": for_prediction(spec["model"])} for field, spec in fields.items()}
               for fields in members]
    data = {"format": FORMAT, "features": list(features), "members": members, "trained": trained}
    # no name and mtime 0 in the gzip header: the same training gives the same bytes
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
        handle.write(json.dumps(data, sort_keys=True, separators=(",", ":")).encode())


_LOADED: Optional[Model] = None
_LOCK = threading.Lock()


def shared() -> Model:
    """The model file, loaded once per process."""
    global _LOADED
    with _LOCK:
        if _LOADED is None:
            _LOADED = Model.load()
        return _LOADED
