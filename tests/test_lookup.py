"""Prompt-lookup drafts (pure: token ids only)."""

from __future__ import annotations

import pytest

from ocr_sidecar.lookup import PromptLookup


def test_the_tokens_after_the_latest_match_of_the_suffix_are_drafted():
    lookup = PromptLookup([5, 6, 7, 8, 9, 1, 2], max_draft=3)
    assert lookup.draft() == []  # "1 2" occurs nowhere before
    lookup.extend([6, 7])
    assert lookup.draft() == [8, 9, 1]  # "6 7" was followed by 8 9 1 ...
    assert lookup.draft(limit=2) == [8, 9]
    lookup.extend([8])
    assert lookup.draft() == [9, 1, 2], "the longer match (6 7 8) decides"


def test_the_latest_occurrence_wins_and_the_draft_never_runs_past_the_end():
    lookup = PromptLookup([1, 2, 3, 1, 2, 4, 0, 1, 2], max_draft=8)
    assert lookup.draft() == [4, 0, 1, 2]


def test_image_placeholders_are_never_drafted_nor_matched():
    img = 99
    lookup = PromptLookup([1, 2, img, img, img, 3, 1, 2], ignore=(img,))
    assert lookup.draft() == [], "the continuation starts with an image token: nothing to copy"
    lookup = PromptLookup([img, img, img, img], ignore=(img,))
    assert lookup.draft() == []


def test_counts_what_was_proposed_and_kept():
    lookup = PromptLookup([1, 2, 3])
    lookup.record(8, 3)
    lookup.record(4, 4)
    assert (lookup.proposed, lookup.accepted) == (12, 7)


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError):
        PromptLookup([], ngrams=(0,))
