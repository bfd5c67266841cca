"""Element helpers, namespace-agnostic: CII and UBL versions differ only in namespaces."""

from __future__ import annotations

import logging
import re
from typing import Optional

from lxml import etree

log = logging.getLogger("ocr_sidecar.einvoice")


_LAYOUT_BREAKS = re.compile(r"[ \t]*[\r\n\t][\s]*")


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(el: Optional[etree._Element], *names: str) -> list[etree._Element]:
    if el is None:
        return []
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname in names]


def _kid(el: Optional[etree._Element], *path: str) -> Optional[etree._Element]:
    """Follow a path of local names (first match at each step); ``a|b`` tries alternatives."""
    for step in path:
        found = _kids(el, *step.split("|"))
        if not found:
            return None
        el = found[0]
    return el


def _txt(el: Optional[etree._Element], *path: str) -> Optional[str]:
    target = _kid(el, *path) if path else el
    if target is None or target.text is None:
        return None
    # Line breaks inside a value are layout, not content; runs of plain spaces are kept as written
    # (a description may align "0.8 mm  3070x1320"). No-break spaces become spaces.
    text = _LAYOUT_BREAKS.sub(" ", target.text.replace("\xa0", " ")).strip()
    return text or None
