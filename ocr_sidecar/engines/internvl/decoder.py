"""The decoder interface: how a document's answer is written under its grammar (what that cost: ``stats.py``).

Three decoders implement it (``OCR_DECODER``), one of which the engine chooses at load:

- ``jump`` (``jump.py``): greedy, jump-forward over the runs the grammar forces, prompt-lookup drafts;
- ``hf`` (``hf.py``): transformers' ``generate`` with xgrammar's logits processor, one pass per token;
- ``parallel`` (``parallel.py``): the document's values as rows of one batch; with a batcher it writes
  documents as ``jump`` does.

A decoder is given the loaded model's ``DecodeKit`` (model, tokenizer, grammars, prefix cache) and the engine's
``DecodeStats``, which it fills in; it holds no other state across documents.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Optional

from .stats import DecodeStats

if TYPE_CHECKING:
    from .kit import DecodeKit

Tokens = tuple[list[int], list[float]]  # an answer's token ids and the probability of each


class Decoder:
    """Writes answers under their grammars. ``generate``: one document alone; ``generate_batch``: several
    documents, one row each, in one batch (``OCR_BATCH_SIZE`` > 1). ``reads_rows``: the decoder reads a document
    alone as rows of values (``read_rows``) instead of writing one answer."""

    name = ""
    reads_rows = False

    def __init__(self, kit: "DecodeKit", stats: DecodeStats):
        self.kit, self.stats = kit, stats

    def generate(self, inputs: dict, grammar: Any, budget: int, cancel: Optional[threading.Event]) -> Tokens:
        raise NotImplementedError

    def generate_batch(self, batch: dict, requests: list[tuple]) -> list[Tokens]:
        """``batch``: the documents' prompts left-padded to one length, their tiles in row order; ``requests``:
        (model inputs, compiled grammar, token budget, cancel event) per document."""
        raise NotImplementedError
