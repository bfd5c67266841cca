"""The words reader of two code trees on the same freshly generated documents (not the corpus, not the public set,
nobody's training seed): ``dump`` writes a generator's documents (word layers and gold) to a JSON file, with the
tree it runs from; ``score`` reads them with the words reader of ``--root`` (default: this tree) and prints the
figures of ``words_reader.py`` (``--agreement`` included). Comparing two commits on one set of documents:

    git worktree add /tmp/before <commit>
    python benchmarks/words_reader_fresh.py dump --seed 5150 --count 300 /tmp/fresh.json
    python benchmarks/words_reader_fresh.py score /tmp/fresh.json --root /tmp/before
    python benchmarks/words_reader_fresh.py score /tmp/fresh.json

(``dump --root /tmp/before`` draws the documents with the earlier generator instead.) ``--root`` must hold a
``benchmarks/words_reader.py`` with ``measure`` and ``report`` (commits since the words reader's first).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _use(root: Path) -> None:
    for path in (str(root / "benchmarks"), str(root)):
        sys.path.insert(0, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("dump", "score"))
    parser.add_argument("file", type=Path)
    parser.add_argument("--root", type=Path, default=HERE, help="the code tree whose generator or reader runs")
    parser.add_argument("--seed", type=int, default=5150)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    _use(args.root.resolve())
    sets = importlib.import_module("words_reader_sets")
    if args.command == "dump":
        docs = [{"name": d.name, "kind": d.kind, "gold": d.gold, "layers": [sets._layer_json(layer) for layer in d.layers]}
                for d in sets.synthetic_docs(args.seed, args.count)]
        args.file.write_text(json.dumps(docs))
        print(f"{len(docs)} documents (seed {args.seed}) → {args.file}")
        return 0
    bench = importlib.import_module("words_reader")
    docs = [sets.Doc(d["name"], "synthetic", d["kind"], [sets._layer_from_json(layer) for layer in d["layers"]],
                     d["gold"]) for d in json.loads(args.file.read_text())]
    tallies = collections.defaultdict(bench.Tally)
    bench.measure(docs, tallies, agree=True, seed=907)
    bench.report(tallies, ["synthetic"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
