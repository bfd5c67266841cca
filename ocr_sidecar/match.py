"""Field comparison: is a predicted value the gold value, exactly and once normalised (the rules are in the
package's docstring)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Optional

from rapidfuzz import fuzz, utils

DEFAULT_FUZZY_THRESHOLD = 90.0

NUMBER_FIELDS = frozenset({"quantity", "unit_price", "discount_percent", "tax_rate", "amount", "rate", "base",
                           "subtotal", "total_tax", "total", "amount_due"})
DATE_FIELDS = frozenset({"issue_date", "due_date"})
COMPACT_FIELDS = frozenset({"vat", "iban"})
FUZZY_FIELDS = frozenset({"name", "description", "street", "city"})
PHONE_FIELDS = frozenset({"phone"})
UNIT_FIELDS = frozenset({"unit"})
# Fields where "not stated" and zero mean the same thing on a document ("Disc. 0.00 %" vs no discount).
ZERO_IS_EMPTY_FIELDS = frozenset({"discount_percent"})

# One unit, many notations: UN/ECE Rec. 20 codes (what e-invoices carry) and the symbols and words
# printed on documents. A normalised match compares the unit, not its spelling.
_UNIT_SYNONYMS = {
    "piece": "c62 h87 ea nar pce pcs pc piece pieces unit units u each stk stück stueck st unité unités",
    "kg": "kgm kg kilogram kilograms kilo", "g": "grm g gr gram grams", "t": "tne t ton tons tonne tonnes",
    "l": "ltr l lt litre liter litres liters", "ml": "mlt ml", "m": "mtr m meter metre meters metres",
    "cm": "cmt cm", "mm": "mmt mm", "km": "ktm km", "m2": "mtk m2 m² sqm", "m3": "mtq m3 m³",
    "h": "hur h hr hrs hour hours std stunde stunden heure heures", "min": "min minute minutes",
    "day": "day d days tag tage jour jours", "week": "wee week weeks woche wochen semaine semaines",
    "month": "mon month months monat monate mois", "year": "ann year years jahr jahre an ans",
    "dozen": "dzn dozen dz", "pair": "pr pair pairs paar", "set": "set sets", "kwh": "kwh",
    "lump sum": "ls lumpsum pauschal psch pauschale forfait",
}
UNIT_ALIASES = {alias: unit for unit, aliases in _UNIT_SYNONYMS.items() for alias in aliases.split()}
CENT = 0.005 + 1e-9  # half a cent, and float noise


def _leaf_name(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def _empty(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_empty(v) for v in value)
    return False


def _as_float(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(" ", ""))
        except ValueError:
            return None
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_date(value: Any) -> Optional[date]:
    text = _as_text(value).strip()
    for parse in (lambda s: date.fromisoformat(s[:10]), lambda s: datetime.strptime(s, "%Y%m%d").date(),
                  lambda s: datetime.strptime(s, "%d.%m.%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _phone_digits(value: Any) -> str:
    return re.sub(r"\D", "", _as_text(value)).lstrip("0")


def values_match(field_name: str, gold: Any, predicted: Any, fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD) -> bool:
    """Normalised comparison of one leaf value (see the module docstring for the rules)."""
    if field_name in ZERO_IS_EMPTY_FIELDS:
        gold = None if _as_float(gold) == 0 else gold
        predicted = None if _as_float(predicted) == 0 else predicted
    if _empty(gold):
        return _empty(predicted)
    if _empty(predicted):
        return False
    if field_name in NUMBER_FIELDS:
        g, p = _as_float(gold), _as_float(predicted)
        return g is not None and p is not None and abs(g - p) <= CENT
    if field_name in DATE_FIELDS:
        g, p = _as_date(gold), _as_date(predicted)
        return g is not None and g == p
    if field_name in COMPACT_FIELDS:
        return re.sub(r"[^0-9A-Za-z]", "", _as_text(gold)).upper() == re.sub(r"[^0-9A-Za-z]", "", _as_text(predicted)).upper()
    if field_name in FUZZY_FIELDS:
        g, p = utils.default_process(_as_text(gold)), utils.default_process(_as_text(predicted))
        return g == p or fuzz.ratio(g, p) >= fuzzy_threshold
    if field_name in UNIT_FIELDS:
        g, p = (re.sub(r"[\s.]+", "", _as_text(v)).casefold() for v in (gold, predicted))
        return UNIT_ALIASES.get(g, g) == UNIT_ALIASES.get(p, p)
    if field_name in PHONE_FIELDS:
        g, p = _phone_digits(gold), _phone_digits(predicted)
        if g == p:
            return bool(g)
        short, long_ = sorted((g, p), key=len)
        # "+49 89 1234567" and "089 1234567" are one number: the national form ends the international one.
        return len(short) >= 7 and long_.endswith(short) and len(long_) - len(short) <= 3
    return re.sub(r"\s+", "", _as_text(gold)).casefold() == re.sub(r"\s+", "", _as_text(predicted)).casefold()


def values_exact(gold: Any, predicted: Any) -> bool:
    if isinstance(gold, (int, float)) and isinstance(predicted, (int, float)) and not isinstance(predicted, bool):
        return float(gold) == float(predicted)
    return gold == predicted

