"""The words reader: a second, independent reading of a document from its pages' words alone (issue #33).

For each header field it proposes candidates from the word layer (the PDF's text layer, or the OCR the sidecar
runs on scans and photos), each with a calibrated score, and a document made of the best ones. No weights of the
VLM are needed; the ranking model is a small LightGBM file trained on documents this project generates
(``synth.py``, ``train.py``); the corpus and public sets are for evaluation only.

    reading = read_layers(layers)          # layers: one WordLayer (or None) per page
    reading.document                       # schema-shaped dict of the best candidates
    reading.candidates["total"]            # [Candidate(value=..., score=..., page=1, boxes=[...], text="1.234,50")]

``compare(document, reading)`` is the agreement of another reader's document with this one (``agree.py``).
"""

from .read import read_layers
from .reading import HEADER_PATHS, Candidate, Reading

__all__ = ["HEADER_PATHS", "Candidate", "Reading", "read_layers"]
