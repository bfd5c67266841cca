"""Locating the document's values among the page's words, in the forms pages print them."""

from __future__ import annotations

import datetime as dt
import json

import pypdfium2 as pdfium
import pytest

from ocr_sidecar.locate import find_value, locate, printed_paths
from ocr_sidecar.printed import parse_dates, parse_numbers
from ocr_sidecar.words import Word, WordLayer, assign_lines

from conftest import DOCUMENTS_DIR


def layer(*rows: str) -> WordLayer:
    words = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row.split()):
            words.append(Word(text, (0.05 + 0.08 * c, 0.05 + 0.03 * r, 0.12 + 0.08 * c, 0.07 + 0.03 * r)))
    return WordLayer("ocr", assign_lines(words))


@pytest.mark.parametrize("printed", ["1.234,56", "1,234.56", "1 234,56", "1'234.56", "−1.234,56", "(1,234.56)",
                                     "EUR 1234.56", "1234,56€"])
def test_amounts_in_any_local_format(printed):
    assert 1234.56 in parse_numbers(printed)
    assert find_value("total", 1234.56, layer("Total due", f"Amount {printed}")) is not None


def test_numbers_next_to_each_other_stay_apart():
    assert parse_numbers("1 234,56 1,234.56 12.5") == [1234.56, 1234.56, 12.5]


@pytest.mark.parametrize("printed", ["2024-03-01", "01.03.2024", "03/01/2024", "1/3/24", "1 March 2024",
                                     "March 1, 2024", "1. März 2024", "1er mars 2024", "01-Mar-24"])
def test_dates_in_printed_forms_and_languages(printed):
    assert dt.date(2024, 3, 1) in parse_dates(printed)


def test_identifiers_with_or_without_spaces_and_names_fuzzily():
    page = layer("Lieferant GmbH", "USt-IdNr.: DE 123 456 789", "IBAN DE89 3704 0044 0532 0130 00",
                 "Kundenstrasse 15")
    assert [w.text for w in find_value("seller.vat", "DE123456789", page)] == ["DE", "123", "456", "789"]
    assert find_value("seller.iban", "DE89370400440532013000", page) is not None
    assert find_value("seller.name", "Lieferant GmbH", page) is not None
    assert find_value("buyer.address.street", "Kundenstraße 15", page) is not None, "ß and ss are one"
    assert find_value("seller.vat", "DE123456780", page) is None, "one digit off is not found"
    assert find_value("total", 99.99, page) is None


def test_born_digital_pages_hold_almost_every_gold_value():
    names = ["fx_EN16931_Einfach", "i2d_AmazonWebServices", "i2d_NetpresseInvoice", "ox_ORDER-X_EX01_ORDER_FULL_DATA-COMFORT"]
    total = found = 0
    for name in names:
        gold = json.loads((DOCUMENTS_DIR / f"{name}.gold.json").read_text())
        pdf = pdfium.PdfDocument(DOCUMENTS_DIR / f"{name}.pdf")
        from ocr_sidecar.words import pdf_words

        evidence = locate(gold, [pdf_words(pdf[i]) for i in range(len(pdf))])
        paths = printed_paths(gold)
        total, found = total + len(paths), found + sum(p in evidence for p in paths)
        for path, item in evidence.items():
            assert item.boxes and all(0 <= v <= 1 for box in item.boxes for v in box), path
    assert found / total >= 0.95, (found, total)


def test_a_value_printed_twice_gets_the_place_that_names_it_and_a_missing_one_none():
    """Subtotal and total of a zero-VAT invoice print the same number: each gets its own row, one box."""
    page = layer("Subtotal 42.00", "Tax 0.00", "Total 42.00")
    evidence = locate({"subtotal": 42.0, "total": 42.0, "total_tax": 0.0, "amount_due": 43.0}, [page])
    assert (evidence["subtotal"].rows, evidence["total"].rows, evidence["total_tax"].rows) == ([0], [2], [1])
    assert all(len(evidence[p].boxes) == 1 for p in ("subtotal", "total", "total_tax"))
    assert "amount_due" not in evidence


@pytest.mark.parametrize("rows,expected", [
    (("Total net 100,00", "TVA 20 % 20,00", "Total TTC 120,00", "Net à payer 120,00"), {"total": 2, "amount_due": 3}),
    (("Zwischensumme 50,00", "MwSt. 19 % 9,50", "Gesamtbetrag 59,50", "Zahlbetrag 59,50"),
     {"total": 2, "amount_due": 3}),
    (("Amount 59.50", "Balance due 59.50", "Total 59.50"), {"total": 2, "amount_due": 1}),
])
def test_totals_told_apart_by_their_labels_in_several_languages(rows, expected):
    amount = float(rows[2].split()[-1].replace(",", "."))
    values = {"total": amount, "amount_due": amount}
    evidence = locate(values, [layer(*rows)])
    assert {path: evidence[path].rows[0] for path in expected} == expected


def test_a_rate_printed_on_every_line_is_one_place():
    page = layer("Item A 1 10.00 15.00% 10.00", "Item B 1 20.00 15.00% 20.00", "Tax 15.00% 4.50")
    evidence = locate({"lines": [{"description": "Item A", "tax_rate": 15.0}]}, [page])
    assert len(evidence["lines[0].tax_rate"].boxes) == 1


@pytest.mark.parametrize("printed,value", [("INV-100", 100.0), ("No. 2024/0017", 17.0), ("Art. 100-A", 100.0),
                                           ("D-63571", 63571.0)])
def test_numbers_are_whole_printed_tokens_never_inside_a_code(printed, value):
    assert value not in parse_numbers(printed)
    assert find_value("total", value, layer(f"Invoice {printed}")) is None


def test_a_minus_or_a_unit_keeps_a_number_a_number():
    assert parse_numbers("Total: -12.00") == [12.0] and parse_numbers("12.00-") == [12.0]
    assert 12.5 in parse_numbers("12.50/kg")


def test_codes_are_whole_tokens_and_a_postcode_may_carry_its_country():
    assert find_value("seller.address.zip", "63571", layer("D-63571 Gelnhausen")) is not None
    assert find_value("seller.address.zip", "63571", layer("Ref 1635712")) is None, "never inside another token"
    assert find_value("order_reference", "100", layer("Invoice INV-100")) is None
    assert find_value("seller.vat", "DE123456789", layer("USt-IdNr.:DE123456789")) is not None
    assert find_value("seller.vat", "DE123456789", layer("VATDE123456789")) is not None, "a label glued by OCR"
    assert find_value("document_number", "123456", layer("Order 91234567")) is None


def columns_layer(*rows: str) -> WordLayer:
    """Rows whose cells, separated by " | ", are printed in fixed columns (a description, then numbers), as a
    table prints them; a cell's words side by side."""
    starts = (0.05, 0.45, 0.60, 0.80)
    words = []
    for r, row in enumerate(rows):
        for start, cell in zip(starts, row.split(" | ")):
            x = start
            for text in cell.split():
                words.append(Word(text, (x, 0.05 + 0.03 * r, x + 0.07, 0.07 + 0.03 * r)))
                x += 0.08
    return WordLayer("ocr", assign_lines(words))


INVOICE_PAGE = columns_layer(
    "Invoice 2024-031 Date 01.03.2024 Page 1 of 2",
    "Description | Qty | Unit price | Amount",
    "Widget large | 2 | 150.00 | 300.00",
    "Service visit | 1 | 120.00 | 120.00",
    "Subtotal | | | 420.00",
    "VAT 19% | | | 79.80",
    "Total | | | 499.80",
)
INVOICE = {"document_number": "2024-031", "issue_date": "2024-03-01", "subtotal": 420.0, "total_tax": 79.8,
           "total": 499.8, "taxes": [{"rate": 19.0, "base": 420.0, "amount": 79.8}],
           "lines": [{"description": "Widget large", "quantity": 2.0, "unit_price": 150.0, "amount": 300.0,
                      "tax_rate": 19.0},
                     {"description": "Service visit", "quantity": 1.0, "unit_price": 120.0, "amount": 120.0,
                      "tax_rate": 19.0}]}


def test_a_line_s_values_are_looked_for_on_that_line_s_rows():
    evidence = locate(INVOICE, [INVOICE_PAGE])
    assert evidence["lines[0].quantity"].rows == [2] and evidence["lines[1].quantity"].rows == [3]
    assert evidence["lines[1].amount"].rows == [3]
    # a line's tax rate printed only in the summary: the summary's rate is its evidence
    assert evidence["lines[0].tax_rate"].rows == evidence["taxes[0].rate"].rows == [5]
    # the quantity of the second line read as 2 (printed on the first line's row, and as "Page 1 of 2"): none
    changed = json.loads(json.dumps(INVOICE))
    changed["lines"][1]["quantity"] = 2.0
    changed["lines"][0]["amount"] = 120.0  # the second line's amount: not evidence for the first line
    found = locate(changed, [INVOICE_PAGE])
    assert "lines[1].quantity" not in found and "lines[0].amount" not in found


def test_totals_are_not_a_line_s_amount_and_rates_are_percentages():
    changed = json.loads(json.dumps(INVOICE))
    changed.update(subtotal=300.0, total_tax=19.0)  # a line's amount; the rate's 19 (printed as 19 %)
    found = locate(changed, [INVOICE_PAGE])
    assert "subtotal" not in found and "total_tax" not in found
    assert "total" in found and "issue_date" in found
    # a rate anywhere on the page must be printed as one; an amount under 10 with its decimals
    assert find_value("taxes[0].rate", 2.0, layer("Widget 2 150.00")) is None
    assert find_value("taxes[0].rate", 19.0, layer("VAT 19 % 79.80")) is not None
    assert find_value("total_tax", 1.0, layer("Page 1 of 2")) is None
    assert find_value("total_tax", 1.0, layer("Tax 1,00")) is not None
    # the care is asked of the number that matched, not of the whole window: "1 Stk 1.000,00" prints 1 without
    # decimals; "19 % 30.00" prints 30.00 of money beside a rate
    assert find_value("total_tax", 1.0, layer("Basismenge: 1 Stk 1.000,00")) is None
    assert find_value("total", 30.0, layer("Total 19 % 30.00")) is not None
    assert find_value("total", 19.0, layer("Total 19 % 30.00")) is None


def test_a_line_that_prints_its_rate_as_a_percentage_has_no_bare_rate():
    """With no column named for it, a line's rows that print "0 %" print every rate so: the position 1 beside
    it is no rate of 1 %. A rate of 0 % is found."""
    page = layer("Pos Article", "1 Toolbox Stahlcoil 10 Stk 0 % 120,00")
    document = {"lines": [{"description": "Toolbox Stahlcoil", "quantity": 10.0, "tax_rate": 0.0, "amount": 120.0}]}
    assert locate(document, [page])["lines[0].tax_rate"].text == "0 %"
    document["lines"][0]["tax_rate"] = 1.0
    assert "lines[0].tax_rate" not in locate(document, [page])


@pytest.mark.parametrize("printed", ["31/01/2026", "SW1B", "FR20", "8H-20H", "CDROUT1", "S1"])
def test_the_digits_of_dates_and_codes_are_not_numbers(printed):
    assert not {1.0, 20.0, 31.0, 2026.0} & set(parse_numbers(printed))


@pytest.mark.parametrize("printed", ["€12.50", "12,50EUR", "Rs.12.50", "12.50 kr", "USD12.50"])
def test_a_currency_beside_a_number_keeps_it_a_number(printed):
    assert 12.5 in parse_numbers(printed)


# --- the table's columns and wrapped cells (issue #31) ------------------------------------------------------------


def table_page(header: list[tuple[str, float]], rows: list[list[tuple[str, float]]], slope: float = 0.0,
               stacked: list[tuple[str, float, int]] = ()) -> WordLayer:
    """Words at given x positions (each word 0.05 wide), one printed row every 0.03; ``slope``: the page's tilt
    (dy/dx); ``stacked``: header words printed half a row above (-1) or below (+1) the header row."""
    words = []

    def put(text, x, y):
        words.append(Word(text, (x, y + slope * x, x + 0.05, y + 0.015 + slope * x)))

    for text, x in header:
        put(text, x, 0.30)
    for text, x, side in stacked:
        put(text, x, 0.30 + side * 0.011)
    for r, row in enumerate(rows):
        for text, x in row:
            put(text, x, 0.34 + 0.03 * r)
    return WordLayer("ocr", assign_lines(words))


HEADER = [("Pos.", 0.05), ("Bezeichnung", 0.12), ("Menge", 0.50), ("Einzelpreis", 0.62), ("MwSt.", 0.74),
          ("Gesamt", 0.86)]


def test_a_line_s_numbers_are_read_from_their_own_columns():
    """Quantity 3 on a line whose position is 4 and whose VAT rate is 7 %: a quantity misread as 4 or 7 is not
    "found" in the position's or the rate's cell; the right one is found in its column."""
    rows = [[("4", 0.05), ("Bolts", 0.12), ("3", 0.52), ("2,00", 0.64), ("7%", 0.76), ("6,00", 0.88)]]
    page = table_page(HEADER, rows)
    document = {"lines": [{"description": "Bolts", "quantity": 3, "unit_price": 2.0, "tax_rate": 7, "amount": 6.0}]}
    found = locate(document, [page])
    assert {"lines[0].quantity", "lines[0].unit_price", "lines[0].tax_rate", "lines[0].amount"} <= set(found)
    for wrong in (4, 7):
        changed = {"lines": [dict(document["lines"][0], quantity=wrong)]}
        assert "lines[0].quantity" not in locate(changed, [page])
        assert "lines[0].quantity" in locate(changed, [page], structure=False)  # rows only: found in a wrong cell


def test_columns_hold_on_a_tilted_page():
    rows = [[(str(i + 1), 0.05), ("Item", 0.12), (str(10 + i), 0.52), ("2,00", 0.64), ("7%", 0.76),
             (f"{2 * (10 + i)},00", 0.88)] for i in range(8)]
    page = table_page(HEADER, rows, slope=0.03)
    document = {"lines": [{"description": "Item", "quantity": 10 + i, "amount": 2.0 * (10 + i)} for i in range(8)]}
    found = locate(document, [page])
    assert all(f"lines[{i}].quantity" in found and f"lines[{i}].amount" in found for i in range(8))


def test_a_header_printed_over_two_rows_and_a_label_named_twice():
    """"Prix / unitaire" stacked over two rows beside one-row labels; "Prix HT" is then the amount."""
    from ocr_sidecar.words import find_table

    header = [("Description", 0.10), ("Quantité", 0.50), ("Rem.", 0.74), ("Prix", 0.86), ("HT", 0.915)]
    page = table_page(header, [[("Huile", 0.10), ("10", 0.52), ("19,80", 0.63), ("-198,00", 0.88)]],
                      stacked=[("Prix", 0.62, -1), ("unitaire", 0.62, 1)])
    table = find_table(page)
    assert [column.kind for column in table.columns] == ["description", "qty", "price", "discount", "amount"]
    document = {"lines": [{"description": "Huile", "quantity": 10, "unit_price": 19.8, "amount": 198.0}]}
    assert {"lines[0].unit_price", "lines[0].amount"} <= set(locate(document, [page]))


def test_a_description_wrapped_onto_a_second_row_is_found_and_anchors_its_line():
    rows = [[("1", 0.05), ("Hydraulic", 0.12), ("hose", 0.18), ("2", 0.52), ("40,00", 0.64), ("80,00", 0.88)],
            [("assembly", 0.12), ("with", 0.18), ("fittings", 0.24)],
            [("2", 0.05), ("Gloves", 0.12), ("3", 0.52), ("5,00", 0.64), ("15,00", 0.88)]]
    page = table_page([("Pos.", 0.05), ("Description", 0.12), ("Qty", 0.50), ("Price", 0.62), ("Amount", 0.86)],
                      rows)
    document = {"lines": [{"description": "Hydraulic hose assembly with fittings", "quantity": 2, "amount": 80.0},
                          {"description": "Gloves", "quantity": 3, "amount": 15.0}]}
    found = locate(document, [page])
    assert found["lines[0].description"].text == "Hydraulic hose assembly with fittings"
    assert len(found["lines[0].description"].rows) == 2
    assert {"lines[0].quantity", "lines[1].quantity", "lines[1].amount"} <= set(found)
    assert "lines[0].description" not in locate(document, [page], structure=False)


def test_a_sentence_or_a_row_of_values_is_no_table_header():
    from ocr_sidecar.words import find_table

    assert find_table(layer("The total amount and the price of each unit are due on receipt")) is None
    assert find_table(layer("Qty 3 Price 2,00 Amount 6,00")) is None


def test_columns_a_single_space_apart_are_told_apart_by_what_they_name():
    """"BTW | Prijs incl. BTW" set one space apart: two columns (the rate, the amount); "Unit price", "Prix HT" and
    "Prijs per stuk" stay one label each."""
    from ocr_sidecar.words import find_table

    def header(*texts):
        words, x = [], 0.05
        for text in texts:
            for token in text.split():
                words.append(Word(token, (x, 0.30, x + 0.04, 0.315)))
                x += 0.045
            x += 0.045  # one more space between columns: as close as coolblue's PDF sets them
        return WordLayer("pdf", assign_lines(words))

    table = find_table(header("Artikel", "Aantal", "Prijs per stuk", "BTW", "Prijs incl. BTW"))
    assert [c.kind for c in table.columns] == ["description", "qty", "price", "vat", "amount"]
    table = find_table(header("Description", "Qty", "Unit price", "Zeilenbetrag"))
    assert [c.kind for c in table.columns] == ["description", "qty", "price", "amount"]
    table = find_table(header("Désignation", "Nombre", "Prix HT", "TVA"))
    assert [c.kind for c in table.columns] == ["description", "qty", "price", "vat"]


def _layer(rows):
    words = [Word(text, (x, 0.1 + 0.03 * i, x + 0.01 * len(text), 0.12 + 0.03 * i))
             for i, row in enumerate(rows) for text, x in row]
    return WordLayer("pdf", assign_lines(words))


def test_a_total_tax_the_page_does_not_print_is_shown_with_its_parts_not_flagged():
    from ocr_sidecar.evidence import attach

    layer = _layer([[("Subtotal", 0.1), ("300.00", 0.6)], [("VAT", 0.1), ("7%", 0.2), ("7.00", 0.6)],
                    [("VAT", 0.1), ("19%", 0.2), ("38.00", 0.6)], [("Total", 0.1), ("345.00", 0.6)]])
    document = {"subtotal": 300.0, "total_tax": 45.0, "total": 345.0,
                "taxes": [{"rate": 7.0, "amount": 7.0}, {"rate": 19.0, "amount": 38.0}]}
    evidence, warnings, _ = attach(document, [layer], {})
    derived = next(item for item in evidence if item.path == "total_tax")
    assert derived.source == "derived" and derived.text == "7.00 + 38.00" and len(derived.boxes) == 2
    assert not [w for w in warnings if w.field == "total_tax"]
    # a total tax its parts do not add up to is still flagged
    evidence, warnings, _ = attach(dict(document, total_tax=46.0), [layer], {})
    assert [w.code for w in warnings if w.field == "total_tax"] == ["value_not_on_page"]


def test_a_total_whose_parts_are_not_all_there_is_not_derived():
    from ocr_sidecar.evidence import attach

    layer = _layer([[("Widget", 0.1), ("3", 0.4)], [("Subtotal", 0.1), ("30.00", 0.6)]])
    document = {"subtotal": 31.0, "lines": [{"description": "Widget", "quantity": 3.0}]}
    _evidence, warnings, _ = attach(document, [layer], {})
    assert [w.code for w in warnings if w.field == "subtotal"] == ["value_not_on_page"]
