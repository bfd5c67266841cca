"""Document digitization sidecar: document bytes → canonical document JSON (InternVL3-1B)."""

__version__ = "0.1.0"
