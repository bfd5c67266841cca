"""Prompt-lookup drafts for speculative decoding: the values a model copies out of a PDF's text layer.

Most of a born-digital invoice's answer is copied from its text layer, which is in the prompt: names,
numbers, codes, dates. When the last tokens written also occur in the prompt (or earlier in the answer),
the tokens that followed them there are a good guess for what comes next. The decoder sends that guess
along with its next step, reads the model's verdict for every guessed position from the same forward
pass, and keeps the longest prefix the model itself would have chosen greedily — so the answer is the
one plain greedy decoding gives, with fewer passes where the guess was right.

Pure Python (token ids only): the jump decoder (``engines/internvl/jump.py``) does the verifying.
"""

from __future__ import annotations

from typing import Iterable, Sequence


class PromptLookup:
    """An n-gram index over a growing token sequence (the prompt, then the answer as it is written)."""

    def __init__(self, context: Sequence[int], *, ngrams: tuple[int, ...] = (3, 2), max_draft: int = 8,
                 ignore: Iterable[int] = ()):
        if not ngrams or min(ngrams) < 1:
            raise ValueError("ngrams must be sizes >= 1")
        self.ngrams = tuple(sorted(set(ngrams), reverse=True))
        self.max_draft = max_draft
        self.ignore = frozenset(ignore)
        self.tokens: list[int] = []
        # n-gram -> the position just after its latest occurrence that has a continuation
        self._index: dict[tuple[int, ...], int] = {}
        self.proposed = self.accepted = 0
        self.extend(context)

    def extend(self, tokens: Iterable[int]) -> None:
        for token in tokens:
            self.tokens.append(int(token))
            end = len(self.tokens)
            # index the n-grams that end just before the new token: their continuation is now known
            for n in self.ngrams:
                start = end - 1 - n
                if start < 0:
                    continue
                gram = tuple(self.tokens[start:end - 1])
                if not self.ignore.intersection(gram):
                    self._index[gram] = end - 1

    def draft(self, limit: int | None = None) -> list[int]:
        """Tokens that followed the latest earlier occurrence of the longest matching suffix ([] if none)."""
        limit = self.max_draft if limit is None else min(limit, self.max_draft)
        if limit <= 0:
            return []
        for n in self.ngrams:
            if len(self.tokens) < n:
                continue
            at = self._index.get(tuple(self.tokens[-n:]))
            if at is None:
                continue
            guess = []
            for token in self.tokens[at:at + limit]:
                if token in self.ignore:
                    break
                guess.append(token)
            if guess:
                return guess
        return []

    def record(self, proposed: int, accepted: int) -> None:
        self.proposed += proposed
        self.accepted += accepted
