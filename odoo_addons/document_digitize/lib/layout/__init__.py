"""A vendor's learned layout: where its documents print each value, learned from one confirmed document and
used to read the next ones from their word layer — milliseconds, no model. Pure Python, no ORM.

One job a file; imports flow one way (fields ← words ← learn; words ← read ← identify ← check), and the
package imports nothing of lib/ but printed and text:

- ``fields``: the layout's version, the header and line fields it can hold, ``LayoutError``;
- ``words``: the word layer (``Word``, ``Page``, ``pages_from_json``, ``words_to_json``) and finding the words
  that print a value (with printed.py, the generated copy of ocr_sidecar/printed.py);
- ``learn``: a layout from the pages' words and the document as a person confirmed it;
- ``read``: the next document read with a layout (``Reading``: document, evidence, missing);
- ``identify``: which partner the page names (by its own VAT id, IBAN or name), and its identity put into
  the reading;
- ``check``: whether a reading can be trusted; the caller falls back to the model when it cannot.

Callers import from the package (``from ..lib import layout as layout_lib``; ``layout_lib.learn``, ...).
"""

from ..printed import read_date, read_number
from ..text import ReviewItem
from .check import check
from .fields import LAYOUT_VERSION, LINE_NUMBERS, LINE_TEXTS, LayoutError
from .identify import Candidate, Identity, identify, with_identity
from .learn import learn, note_lines_vs_subtotal
from .read import Reading, read
from .words import Box, Page, Word, label_key, pages_from_json, words_to_json

__all__ = [
    "LAYOUT_VERSION",
    "LINE_NUMBERS",
    "LINE_TEXTS",
    "Box",
    "Candidate",
    "Identity",
    "LayoutError",
    "Page",
    "Reading",
    "ReviewItem",
    "Word",
    "check",
    "identify",
    "label_key",
    "learn",
    "note_lines_vs_subtotal",
    "pages_from_json",
    "read",
    "read_date",
    "read_number",
    "with_identity",
    "words_to_json",
]
