"""Exception types of the pipeline. The server maps each to one precise gRPC status code.

Permanent vs transient matters to clients: the Odoo addon marks INVALID_ARGUMENT as a
permanent error and retries UNAVAILABLE / RESOURCE_EXHAUSTED / DEADLINE_EXCEEDED.
"""

from __future__ import annotations


class SidecarError(Exception):
    """Base class. ``message`` is shown to end users: say what they can do next."""

    grpc_code_name = "INTERNAL"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidDocument(SidecarError):
    """Empty, undecodable, unsupported, encrypted, too large, too many pages or pixels."""

    grpc_code_name = "INVALID_ARGUMENT"


class BrokenEInvoice(InvalidDocument):
    """The document claims to be an e-invoice but its XML cannot be read.

    ``message`` says what is wrong and what the user can do; ``code`` is the warning code the
    pipeline should use when it falls back to the model.
    """

    code = "einvoice_unreadable"


class QueueFull(SidecarError):
    grpc_code_name = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, retry_after_s: float = 5.0):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotReady(SidecarError):
    """Model still loading, or the server is draining."""

    grpc_code_name = "UNAVAILABLE"


class Cancelled(SidecarError):
    """The client's deadline passed or it went away; the work was stopped."""

    grpc_code_name = "DEADLINE_EXCEEDED"


class ModelNotFound(SidecarError):
    """No weights at MODEL_PATH."""

    grpc_code_name = "FAILED_PRECONDITION"


class OutOfMemory(SidecarError):
    """The device ran out of memory on this document alone (a batch is halved first)."""

    grpc_code_name = "RESOURCE_EXHAUSTED"
