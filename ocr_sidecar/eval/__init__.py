"""Evaluation harness: run an extractor over a folder of documents with gold JSON, score field by field.

A folder holds documents ``X.pdf`` / ``X.png`` / … each with ``X.gold.json`` (canonical schema) next
to it. Only keys present in a gold file are scored: a gold file lists what is visibly on the page.

Scoring, per scored leaf field:

- *exact*: the predicted value equals the gold value as is;
- *match* (normalised): numbers equal to the cent; dates equal once read as ISO dates; VAT ids and
  IBANs equal once compacted; names, descriptions, streets and cities similar by at least
  ``fuzzy_threshold`` (rapidfuzz ratio, 0..100, after case/punctuation folding); phone numbers equal
  digit for digit (a national form matches its international form); units equal as units (UN/ECE
  code ``KGM`` = printed ``kg``); a zero discount equals no discount; other codes and references
  equal ignoring case and spaces.

Lines and taxes are lists whose order carries no meaning: each gold item is paired with at most one
predicted item by an optimal assignment (Hungarian algorithm, maximising matched fields), so a
document read in a different line order loses nothing. Gold items left without a partner count
every field as missed; predicted items left over are reported as extra (they cannot lower the
accuracy, which is measured over gold fields, so they are shown next to it).

Python API: ``evaluate(documents_dir, extract_fn)`` with ``extract_fn(path) -> dict`` (the canonical
document) or ``-> Extraction`` (document plus engine/model/warnings). CLI: ``eval_command``, registered
by ``ocr_sidecar.cli`` as ``ocr-sidecar eval``.

Files: ``match`` (one value against its gold), ``score`` (one document: lists paired, every gold leaf),
``run`` (an extractor over a folder), ``report`` (per document, per field, overall: JSON, CSV, Markdown,
terminal), ``extractors`` (e-invoice stage, in-process pipeline, gRPC, any callable), ``command``
(``ocr-sidecar eval``).
"""

from ..match import DEFAULT_FUZZY_THRESHOLD, UNIT_ALIASES, values_exact, values_match
from .command import eval_command
from .extractors import EvalSetupError, einvoice_extractor, grpc_extractor, import_extractor, pipeline_extractor
from .report import DocumentResult, EvalReport, FieldStats, print_report
from .run import DOCUMENT_SUFFIXES, ExtractFn, Extraction, evaluate, find_documents, word_layer_recall
from .score import DocumentScore, FieldResult, ListResult, hungarian_max, score_document

__all__ = ["DEFAULT_FUZZY_THRESHOLD", "DOCUMENT_SUFFIXES", "UNIT_ALIASES", "DocumentResult", "DocumentScore",
           "EvalReport", "EvalSetupError", "ExtractFn", "Extraction", "FieldResult", "FieldStats", "ListResult",
           "einvoice_extractor", "eval_command", "evaluate", "find_documents", "grpc_extractor", "hungarian_max",
           "import_extractor", "pipeline_extractor", "print_report", "score_document", "values_exact", "values_match",
           "word_layer_recall"]
