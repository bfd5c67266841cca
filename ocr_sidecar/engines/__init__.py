"""Extraction engines: internvl (transformers VLM), einvoice (embedded XML), replay (tests)."""
