"""An e-invoice's evidence: for each value, the XML elements it was read from (there are no pixels)."""

from __future__ import annotations

import re

from lxml import etree

from ..locate import match_value, printed_paths, value_at
from ..types import Evidence
from ..words import Word, WordLayer

MAX_ELEMENTS = 5  # elements named per value (a line's amount may repeat in several totals)
MAX_TOKEN = 256  # longer runs without a space are payloads (base64, hashes), never a value printed for a person


def xml_evidence(document: dict, root) -> list[Evidence]:
    """Evidence for the values of a document read from its e-invoice XML (``root``: the parsed lxml tree):
    per value, the element (or elements) whose text holds it, as an XPath in ``text``, ``source`` "xml"
    and page 0 — there are no pixels. Each element with text is matched as one printed line would be
    (numbers by value, dates — CII's ``20240131`` included — by date, identifiers exactly, names fuzzily).
    A value the mapping derived (a unit price computed from an amount) has no element and no entry."""
    tree = root.getroottree()
    words: list[Word] = []
    xpaths: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or not (element.text or "").strip():
            continue  # comments, processing instructions, containers
        if etree.QName(element).localname.endswith("BinaryObject"):
            continue  # an attachment's payload (the visual PDF, a time sheet as base64): no text a person reads
        text = element.text.strip()
        if element.get("format") == "102" and re.fullmatch(r"\d{8}", text):  # CII's date format
            text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
        line = len(xpaths)
        xpaths.append(tree.getpath(element))
        words.extend(Word(token, (0.0, 0.0, 0.0, 0.0), line=line) for token in text.split()[:64]
                     if len(token) <= MAX_TOKEN)
    layer = WordLayer("xml", words)
    texts = [" ".join(w.text for w in line) for line in layer.lines()]
    out = []
    for path in printed_paths(document):
        value = value_at(document, path)
        # an element holding exactly the value first (the party's <Name>, not a note that mentions it)
        lines = [i for i, text in enumerate(texts) if isinstance(value, str) and text == " ".join(value.split())]
        score = 1.0
        if not lines:  # an element is one value: no percent sign or decimals asked of it (near=True)
            found = match_value(path, value, layer, near=True, every_place=True)  # every element holding it
            if not found:
                continue
            lines, score = sorted({w.line for w in found[0]}), found[1]
        out.append(Evidence(path, 0, [], " | ".join(xpaths[i] for i in lines[:MAX_ELEMENTS]), "xml", score))
    return out
