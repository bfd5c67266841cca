"""What decoding cost: the counters the decoders write and benchmarks and tests read (``InternVLEngine.stats``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ...lookup import PromptLookup


@dataclass
class DecodeStats:
    """What the engine's decoding cost, for benchmarks and tests: written by the decoders (under the engine's
    lock, one generation at a time), read from ``InternVLEngine.stats``."""

    forwards: int = 0  # model forward passes of the last generation
    prefix_reused: int = 0  # prompt tokens the last prefill took from the prefix cache
    lookup: Optional["PromptLookup"] = None  # drafts proposed / accepted in the last generation (jump), else None
    batch_passes: int = 0  # passes so far of the batch running now (tests cancel a row mid-decoding)
    batch_tokens: list[int] = field(default_factory=list)  # tokens of each row of the last batch
    stage_passes: list[tuple[int, int]] = field(default_factory=list)  # parallel: (rows, passes) per batch of rows
