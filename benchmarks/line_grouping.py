"""How well the word layer's lines hold on pages generated here (issue #31): tilted scans, blocks side by side.

Each generated page has what real scans have and the corpus was not used to build: two address blocks side by
side whose lines do not line up (the right one starts a random share of a line lower, in another font size), a
table of 6–14 rows with 5 columns, and a totals block at the right; words of random lengths; the page tilted by a
random angle (0–2.5°, either way) as a sheet-fed scanner leaves it, each word's box then the upright box around its
tilted rectangle (what OCR gives), with a little jitter.

For every page both groupings run on the same words: ``assign_lines(structure=False)`` (rows by vertical overlap
only, what the word layer did before) and ``assign_lines()`` (rows along the page's own angle, blocks side by side
split). A printed line counts as kept when exactly its words form one grouped line.

    python benchmarks/line_grouping.py [--pages 300] [--seed 31]

Prints lines kept per tilt range for both, and the grouping's time per page.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_sidecar.words import Word, assign_lines  # noqa: E402

ASPECT = 297 / 210  # A4 portrait: one y unit is this many x units long
TILT_BINS = ((0.0, 0.3), (0.3, 1.0), (1.0, 1.8), (1.8, 2.5))


def _words_of_line(rng, x, y, size, count, line_id, spread=0.012):
    """(line id, upright box) of ``count`` words starting at x on the row whose top is y."""
    out = []
    for _ in range(count):
        width = size * rng.uniform(1.5, 6.0) / ASPECT
        out.append((line_id, (x, y, x + width, y + size)))
        x += width + rng.uniform(0.6, 1.2) * size / ASPECT
        if x > 0.95:
            break
    return out, x


def page(rng):
    """The printed lines of one generated page: a list of (line id, upright box)."""
    words, line_id = [], 0
    size_a, size_b = rng.uniform(0.010, 0.013), rng.uniform(0.009, 0.014)
    lead_a, lead_b = size_a * rng.uniform(1.3, 1.6), size_b * rng.uniform(1.3, 1.6)
    offset = rng.uniform(0.25, 0.75) * lead_a  # the right block's lines fall between the left block's
    for i in range(rng.randint(4, 6)):  # the left address block
        made, _ = _words_of_line(rng, 0.08, 0.10 + i * lead_a, size_a, rng.randint(1, 4), line_id)
        words += made
        line_id += 1
    for i in range(rng.randint(4, 6)):  # the right one, at other heights
        made, _ = _words_of_line(rng, 0.55, 0.10 + offset + i * lead_b, size_b, rng.randint(1, 4), line_id)
        words += made
        line_id += 1
    size = rng.uniform(0.009, 0.012)
    y = 0.30
    columns = (0.08, 0.50, 0.62, 0.74, 0.86)
    for _ in range(rng.randint(6, 14)):  # the table: a description, then four numbers in their columns
        made, _ = _words_of_line(rng, columns[0], y, size, rng.randint(2, 5), line_id)
        made = [m for m in made if m[1][2] < columns[1] - 0.02]
        for column in columns[1:]:
            number, _ = _words_of_line(rng, column, y, size, 1, line_id)
            made += number
        words += made
        line_id += 1
        y += size * rng.uniform(1.8, 2.4)
    y += 0.03
    for _ in range(rng.randint(2, 4)):  # the totals: a label and its amount, at the right
        made, _ = _words_of_line(rng, 0.60, y, size, 2, line_id)
        amount, _ = _words_of_line(rng, 0.86, y, size, 1, line_id)
        words += made + amount
        line_id += 1
        y += size * 1.8
    return words


def tilt(words, degrees, rng):
    """The words as OCR gives them off a page turned ``degrees`` about its centre: each box the upright box around
    its turned rectangle, with jitter."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    out = []
    for line_id, (x0, y0, x1, y1) in words:
        corners = []
        for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1)):
            # turn in a square frame (y in x units), then back to page units
            dx, dy = x - 0.5, (y - 0.5) * ASPECT
            tx, ty = 0.5 + dx * cos - dy * sin, 0.5 + (dx * sin + dy * cos) / ASPECT
            corners.append((tx, ty))
        jitter = 0.0008
        box = (min(c[0] for c in corners) + rng.uniform(-jitter, jitter),
               min(c[1] for c in corners) + rng.uniform(-jitter, jitter),
               max(c[0] for c in corners) + rng.uniform(-jitter, jitter),
               max(c[1] for c in corners) + rng.uniform(-jitter, jitter))
        out.append((line_id, box))
    return out


def kept(printed, structure):
    """Printed lines whose words, exactly, form one grouped line."""
    words = [Word(f"w{i}", box) for i, (_, box) in enumerate(printed)]
    by_word = {id(w): line_id for w, (line_id, _) in zip(words, printed)}
    started = time.perf_counter()
    ordered = assign_lines(words, structure=structure)
    spent = time.perf_counter() - started
    grouped: dict[int, set] = {}
    for word in ordered:
        grouped.setdefault(word.line, set()).add(by_word[id(word)])
    printed_ids = {line_id for line_id, _ in printed}
    members: dict[int, set] = {}
    for word in ordered:
        members.setdefault(by_word[id(word)], set()).add(word.line)
    good = sum(1 for line_id in printed_ids if len(members[line_id]) == 1
               and grouped[next(iter(members[line_id]))] == {line_id})
    return good, len(printed_ids), spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--seed", type=int, default=31)
    ns = parser.parse_args()
    rng = random.Random(ns.seed)
    results = {(structure, b): [0, 0] for structure in (False, True) for b in TILT_BINS}
    times = {False: [], True: []}
    for _ in range(ns.pages):
        degrees = rng.uniform(0.0, 2.5) * rng.choice((-1, 1))
        printed = tilt(page(rng), degrees, rng)
        bucket = next(b for b in TILT_BINS if b[0] <= abs(degrees) < b[1] or b == TILT_BINS[-1])
        for structure in (False, True):
            good, total, spent = kept(printed, structure)
            results[(structure, bucket)][0] += good
            results[(structure, bucket)][1] += total
            times[structure].append(spent)
    print(f"{ns.pages} generated pages (seed {ns.seed}): printed lines kept whole and apart\n")
    print("| tilt | rows by overlap only (before) | along the page's angle, blocks split (now) |")
    print("|---|---:|---:|")
    for b in TILT_BINS:
        old, new = results[(False, b)], results[(True, b)]
        print(f"| {b[0]}–{b[1]}° | {old[0]}/{old[1]} = {old[0] / max(old[1], 1):.1%} | "
              f"{new[0]}/{new[1]} = {new[0] / max(new[1], 1):.1%} |")
    for structure, label in ((False, "before"), (True, "now")):
        good = sum(results[(structure, b)][0] for b in TILT_BINS)
        total = sum(results[(structure, b)][1] for b in TILT_BINS)
        print(f"\nall ({label}): {good}/{total} = {good / total:.1%}; grouping "
              f"{statistics.median(times[structure]) * 1000:.1f} ms median per page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
