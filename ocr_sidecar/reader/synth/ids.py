"""Identifiers with valid check digits for the synthetic documents of ``synth.py``: VAT ids (DE, AT, FR, NL, BE, IT,
ES, LU, IE, GB, CHE…MWST) compact and as printed, IBANs with their national checks, BICs, payment references
(RF creditor references, Belgian +++…+++, Swiss QR references, Dutch betalingskenmerk), phone numbers."""

from __future__ import annotations

import random
import re

from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.at import uid as at_uid
from stdnum.ch import esr as ch_esr
from stdnum.ch import uid as ch_uid
from stdnum.es import ccc as es_ccc
from stdnum.es import cif as es_cif
from stdnum.ie import vat as ie_vat
from stdnum.iso7064 import mod_11_10, mod_97_10
from stdnum.lu import tva as lu_tva
from stdnum.us import ein as us_ein

from . import world as W

# --- identifiers with valid check digits --------------------------------------------------------------------


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def vat_id(rng: random.Random, country: str) -> str:
    """A VAT id of ``country`` with valid check digits, compact ("" where the country has none here)."""
    d = digits
    while True:
        if country == "DE":
            body = str(rng.randint(1, 9)) + d(rng, 7)
            return "DE" + body + mod_11_10.calc_check_digit(body)
        if country == "AT":
            body = "U" + d(rng, 7)
            return "AT" + body + at_uid.calc_check_digit(body)
        if country == "FR":
            siren = str(rng.randint(1, 9)) + d(rng, 7)
            siren += luhn.calc_check_digit(siren)
            return f"FR{int(siren + '12') % 97:02d}{siren}"
        if country == "NL":
            body = str(rng.randint(1, 9)) + d(rng, 7)
            check = sum((9 - i) * int(c) for i, c in enumerate(body)) % 11
            if check < 10:
                return f"NL{body}{check}B{rng.choice(['01', '01', '02', '03'])}"
        elif country == "BE":
            body = "0" + str(rng.randint(2, 9)) + d(rng, 6)
            return f"BE{body}{97 - int(body) % 97:02d}"
        elif country == "IT":
            body = str(rng.randint(0, 9)) + d(rng, 6) + f"{rng.randint(1, 100):03d}"
            if int(body[:7]):
                return "IT" + body + luhn.calc_check_digit(body)
        elif country == "ES":
            body = rng.choice("AB") + d(rng, 7)
            return "ES" + body + es_cif.calc_check_digits(body)[0]
        elif country == "LU":
            body = str(rng.randint(1, 9)) + d(rng, 5)
            return "LU" + body + lu_tva.calc_check_digits(body)
        elif country == "IE":
            body = str(rng.randint(1, 9)) + d(rng, 6)
            return "IE" + body + ie_vat.calc_check_digit(body)
        elif country == "GB":
            body = str(rng.randint(1, 9)) + d(rng, 6)
            check = -sum(w * int(c) for w, c in zip((8, 7, 6, 5, 4, 3, 2), body)) % 97
            return f"GB{body}{check:02d}"
        elif country == "CH":
            body = str(rng.randint(1, 9)) + d(rng, 7)
            check = ch_uid.calc_check_digit(body)
            if len(check) == 1:
                return f"CHE{body}{check}{rng.choice(['MWST', 'MWST', 'TVA', 'IVA'])}"
        else:
            return ""


def tax_id(name: str) -> str:
    """A US party's federal tax id (EIN, "12-3456789"), as printed, in three of five; "" for none. Drawn from its own
    generator (seeded by the party's name), so that no other draw of a document changes."""
    rng = random.Random(f"ein|{name}")
    if rng.random() >= 0.6:
        return ""
    while True:
        number = f"{rng.randint(1, 99):02d}-{digits(rng, 7)}"
        if us_ein.is_valid(number):  # its prefix one the IRS assigns
            return number


def vat_text(rng: random.Random, vat: str) -> str:
    """A VAT id as printed: compact, or grouped as its country writes it (at most four words); a US tax id as it
    is."""
    if "-" in vat:
        return vat
    cc, body = vat[:2], vat[2:]
    if cc == "CH":
        digits = vat[3:12]
        return f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:]} {vat[12:]}"
    form = rng.random()
    if form < 0.45:
        return vat
    if form < 0.7:
        return f"{cc} {body}"
    if cc in ("DE", "GB") and len(body) == 9:
        return f"{cc} {body[:3]} {body[3:6]} {body[6:]}" if cc == "DE" else f"{cc} {body[:3]} {body[3:7]} {body[7:]}"
    if cc == "BE":
        return f"BE {body[:4]}.{body[4:7]}.{body[7:]}"
    if cc == "FR":
        return f"FR {body[:2]} {body[2:]}"
    if cc == "NL":
        return f"NL{body[:9]} {body[9:]}" if rng.random() < 0.5 else f"NL {body[:4]}.{body[4:6]}.{body[6:9]}.{body[9:]}"
    return f"{cc} {body}"




def iban(rng: random.Random, country: str) -> str:
    """An IBAN of ``country`` with valid check digits (and the national checks stdnum knows), "" for none."""
    if country not in W.BBAN:
        return ""
    pattern, account = W.BBAN[country]
    bank = rng.choice(W.BIC_BANKS[country]) if country in W.BIC_BANKS else ""
    bank += "".join(rng.choice("ABCDEFGHIKLMNOPRSTUVWXZ") if ch == "@" else rng.choice("0123456789")
                    for ch in pattern[len(bank):])
    bban = bank + digits(rng, account)
    if country == "BE":
        body = rng.choice(W.BE_BANKS) + digits(rng, 7)
        bban = f"{body}{int(body) % 97 or 97:02d}"
    elif country == "ES":
        bban = bban[:8] + es_ccc.calc_check_digits(bban[:8] + "00" + bban[10:]) + bban[10:]
    return country + std_iban.calc_check_digits(country + "00" + bban) + bban


def iban_text(rng: random.Random, number: str) -> str:
    return number if rng.random() < 0.25 else " ".join(number[i:i + 4] for i in range(0, len(number), 4))


def bic(rng: random.Random, number: str, country: str) -> str:
    bank = number[4:8] if number[4:8].isalpha() else "".join(rng.choice("ABCDEFGHKLMNPRSTUW") for _ in range(4))
    return bank + country + rng.choice(["FF", "MM", "2X", "22", "DD", "BB"]) + rng.choice(["", "XXX", "", "100"])


def payment_reference(rng: random.Random, country: str, number: str, customer: str) -> str:
    """A payment reference as printed: structured (RF creditor reference, Belgian +++…+++, Swiss QR, Dutch
    betalingskenmerk) or plain (the document number, a customer and document number)."""
    form = rng.random()
    if country == "BE" and form < 0.6:
        body = digits(rng, 10)
        full = f"{body}{int(body) % 97 or 97:02d}"
        return f"+++{full[:3]}/{full[3:7]}/{full[7:]}+++"
    if country == "CH" and form < 0.5:
        body = digits(rng, 26)
        return ch_esr.format(body + ch_esr.calc_check_digit(body))
    if country == "NL" and form < 0.5:
        body = digits(rng, 16)
        return " ".join(body[i:i + 4] for i in range(0, 16, 4))
    if form < 0.35:
        ref = digits(rng, rng.choice([8, 10, 12, 15]))
        full = "RF" + mod_97_10.calc_check_digits(ref + "RF") + ref
        return " ".join(full[i:i + 4] for i in range(0, len(full), 4))
    if form < 0.7:
        return number
    return f"{customer}-{re.sub(r'[^0-9A-Za-z]', '', number)}" if customer else f"REF {number}"


def fill(rng: random.Random, pattern: str) -> str:
    return "".join(rng.choice("0123456789") if ch == "#" else ch for ch in pattern)


def phone_number(rng: random.Random, country: str) -> str:
    if country == "US":
        return fill(rng, rng.choice(["(###) ###-####", "###-###-####", "+1 ### ### ####"]))
    if rng.random() < 0.6:
        return W.PHONE_PREFIX[country] + fill(rng, rng.choice([" ## ### ####", " ### ######", " # ## ## ## ##",
                                                                    " ## #### ###-0"]))
    return fill(rng, rng.choice(["0## / ### ###-0", "0## ### ## ##", "0### ######", "0# ## ## ## ##"]))


def gs1_check(body: str) -> str:
    """The GS1 check digit of a GLN/GTIN body (weights 3, 1, 3… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gln(rng: random.Random) -> str:
    """A Global Location Number (13 digits, valid check digit), as e-invoice print-outs show a party's."""
    body = rng.choice("4345789") + "".join(rng.choice("0123456789") for _ in range(11))
    return body + gs1_check(body)


def gtin(rng: random.Random) -> str:
    """An article's GTIN-13 (EAN, valid check digit), as wholesalers' and e-invoice print-outs show items."""
    body = rng.choice(["40", "41", "42", "43", "30", "50", "54", "57", "76", "80", "87", "90"]) + "".join(
        rng.choice("0123456789") for _ in range(10))
    return body + gs1_check(body)
