"""What happens to a queued record after an attempt — pure decisions, in the manner of OCA queue_job.

The ORM layer loads the record, calls the sidecar, and asks these functions what to write; they are
tested without a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

BASE_DELAY_S = 60.0
MAX_DELAY_S = 3600.0
# One attempt makes at most two sidecar calls, each bounded by the timeout setting (the gRPC deadline): the
# word layer for a learned layout, then the model. Replicas that refuse (UNAVAILABLE) answer at once.
CALLS_PER_ATTEMPT = 2
STUCK_MARGIN_S = 300.0  # mapping, writing, a slow database: well above what an attempt takes besides its calls


@dataclass(frozen=True)
class Decision:
    state: str  # 'queued' (retry later) | 'error'
    next_attempt: Optional[dt.datetime]
    message: str


def backoff_delay(attempts: int, retry_after: Optional[float] = None) -> float:
    """Seconds before attempt ``attempts + 1``: exponential, capped, never earlier than the server's hint."""
    delay = min(BASE_DELAY_S * (2 ** max(attempts - 1, 0)), MAX_DELAY_S)
    if retry_after:
        delay = max(delay, float(retry_after))
    return delay


def after_failure(*, transient: bool, attempts: int, max_attempts: int, reason: str, now: dt.datetime,
                  retry_after: Optional[float] = None) -> Decision:
    """``attempts`` counts the attempt that just failed. Every failure of an attempt comes here, whatever
    raised it: the sidecar's permanent answers fail at once; the sidecar being away, a database conflict, an
    unexpected error of ours and a worker that died mid-attempt (see :func:`is_stuck`) are tried again until
    ``max_attempts``, so a document that always fails ends in 'error' instead of being read forever."""
    if not transient:
        return Decision("error", None, reason)
    if attempts >= max_attempts:
        return Decision("error", None, f"Gave up after {attempts} attempts: {reason}")
    delay = backoff_delay(attempts, retry_after)
    return Decision("queued", now + dt.timedelta(seconds=delay),
                    f"Attempt {attempts} of {max_attempts} failed ({reason}); retrying in {int(delay)} s.")


def stuck_after_s(extraction_timeout_s: float) -> float:
    """How long a record may stay in 'processing' before its worker is taken for dead: longer than the
    longest attempt the timeout setting allows, so a record still being read is never claimed twice."""
    return CALLS_PER_ATTEMPT * float(extraction_timeout_s) + STUCK_MARGIN_S


def is_stuck(processing_since: Optional[dt.datetime], now: dt.datetime, extraction_timeout_s: float) -> bool:
    """A record left in 'processing' (its worker was killed mid-attempt) once the attempt cannot still be
    running; it then fails like any attempt (:func:`after_failure`, counted)."""
    return processing_since is not None and \
        (now - processing_since).total_seconds() > stuck_after_s(extraction_timeout_s)
