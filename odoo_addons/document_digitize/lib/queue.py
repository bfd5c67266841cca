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
STUCK_AFTER_S = 3600.0  # longer than any extraction (deadline) + mapping


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
    """``attempts`` counts the attempt that just failed."""
    if not transient:
        return Decision("error", None, reason)
    if attempts >= max_attempts:
        return Decision("error", None, f"Gave up after {attempts} attempts: {reason}")
    delay = backoff_delay(attempts, retry_after)
    return Decision("queued", now + dt.timedelta(seconds=delay),
                    f"Attempt {attempts} of {max_attempts} failed ({reason}); retrying in {int(delay)} s.")


def is_stuck(processing_since: Optional[dt.datetime], now: dt.datetime, timeout_s: float = STUCK_AFTER_S) -> bool:
    """A record left in 'processing' (worker killed mid-request) is queued again after ``timeout_s``."""
    return processing_since is not None and (now - processing_since).total_seconds() > timeout_s
