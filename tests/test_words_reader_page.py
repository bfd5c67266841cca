"""The page as the words reader sees it (``reader/page.py``) and the features measured on it: letters printed apart,
hyphenated compounds, a label's word that is a name's, runs of words on rows of several columns, a name's block,
the page's own title; and the candidates they change (a country code is no currency, a test page's IBAN)."""

from __future__ import annotations

import pytest
from test_words_reader import page

from ocr_sidecar.reader import features as feat
from ocr_sidecar.reader import read_layers
from ocr_sidecar.reader.candidates import find
from ocr_sidecar.reader.labels import find_labels, tokens
from ocr_sidecar.words import Word, WordLayer, assign_lines


def test_a_label_word_followed_by_a_legal_form_is_a_word_of_the_name():
    _, pages = find([page([(0.05, "Name: Kunden AG Mitte"), (0.1, "Lieferant GmbH"), (0.15, "Bill to ACME GmbH"),
                           (0.2, "Kunde: Beispiel")])])
    labels = {(label.line, label.name) for label in pages[0].labels}
    assert (0, "customer") not in labels and (0, "field_name") in labels  # "Kunden" is the name's
    assert (1, "seller_hint") not in labels
    assert (2, "buyer_hint") in labels and (3, "buyer_hint") in labels  # a heading before a name stays one
    names = [c for c in feat.generate([page([(0.05, "Name: Kunden AG Mitte")])]) if c.kind == "name"]
    best = next(c for c in names if c.value == "Kunden AG Mitte")
    assert best.feats["name_label_tokens"] == 0 and best.feats["name_after_label"] == 1


def test_a_title_printed_letter_by_letter_is_read_as_its_word():
    layer = page([(0.05, "@0.6 R E C H N U N G"), (0.1, "Nr. 4711"), (0.2, "A 1 B 2")])
    types = {c.value: c for c in feat.generate([layer]) if c.kind == "type"}
    invoice = types["invoice"]
    assert invoice.text == "RECHNUNG" and invoice.page == 1 and invoice.box[0] == pytest.approx(0.6)
    assert invoice.feats["type_count"] == 1
    # single characters that spell no word stay apart: a table's codes, figures
    _, pages = find([layer])
    assert [w.text for w in pages[0].lines[2]] == ["A", "1", "B", "2"]


def test_a_number_after_another_documents_title_is_told_from_the_documents_own():
    found = feat.generate([page([(0.05, "Handelsrechnung (380) Nr. 471102"), (0.1, "Bestellung: 2018-4713"),
                                 (0.15, "Order confirmation"), (0.3, "Beratung 1 100,00")])])
    idents = {c.value: c.feats for c in found if c.kind == "ident"}
    assert idents["471102"]["ident_title_main"] == 1.0 and idents["471102"]["ident_title_line"] == 1.0
    assert idents["2018-4713"]["ident_title_main"] == 0.0  # "Bestellung" is not this page's title
    # a title in another column of the row is not the number's
    other = feat.generate([page([(0.05, "GLN 4304171000002 @0.7 Auftrag 12")])])
    gln = next(c for c in other if c.kind == "ident" and c.value == "4304171000002")
    assert gln.feats["ident_title_line"] == 0.0


def test_a_sentence_is_told_from_a_name_by_its_words_in_lower_case():
    names = {c.value: c.feats["name_lower"] for c in feat.generate([page([
        (0.05, "Lesbare Darstellung der Daten von elektronischen Rechnungen"), (0.1, "Muster Handels GmbH")])])
        if c.kind == "name"}
    assert names["Muster Handels GmbH"] == 0.0
    assert names["Lesbare Darstellung der Daten von elektronischen Rechnungen"] == pytest.approx(3 / 7)  # der, von, elektronischen


def test_a_name_heading_an_address_block_is_told_from_a_title_over_other_lines():
    found = feat.generate([page([(0.05, "Darstellung der Rechnung"), (0.065, "Version: 2.5"), (0.08, "Profil EN16931"),
                                 (0.2, "Kunden Handel GmbH"), (0.215, "Hauptstraße 12"), (0.23, "DE 80333 München"),
                                 (0.3, "Au bon moulin SARL - 12 rue Haute - 84340 Malaucène"),
                                 (0.4, "Tony Dubois"), (0.4, "@0.5 Acme Ltd"), (0.415, "@0.5 EC1A 1BB London")])])
    names = {c.value: (c.feats["name_block_lines"], c.feats["name_block_postal"]) for c in found if c.kind == "name"}
    assert names["Darstellung der Rechnung"] == (2.0, 0.0)  # lines below it, none an address's last
    assert names["Kunden Handel GmbH"] == (2.0, 1.0)
    assert names["Au bon moulin SARL"][1] == 1.0  # a one-line letterhead: the town on its own line
    assert names["Acme Ltd"] == (1.0, 1.0) and names["Tony Dubois"][1] == 0.0  # a block is its column's
    iban = feat.generate([page([(0.05, "IBAN: DE75 1234 5678 0000 0012 34"), (0.1, "IBAN DE12 3456 7890")])])
    # a test page's made-up account (only its check digits wrong) is offered, marked; a short one is none
    assert [(c.value, c.feats["id_checksum"]) for c in iban if c.kind == "iban"] == [("DE75123456780000001234", 0.0)]


def test_a_country_code_is_no_currency_and_a_franc_is_one():
    found = feat.generate([page([(0.05, "FR"), (0.1, "Buyer VAT ID: FR 05 987 654 321"), (0.2, "Total 12,00 Fr."),
                                 (0.25, "Amount 3,00 EUR"), (0.3, "Grand Total Rs 1939")])])
    assert sorted(c.value for c in found if c.kind == "currency") == ["CHF", "EUR", "INR"]  # Rs: a rupee


def test_a_hyphenated_compound_is_read_as_its_word_and_a_title_opens_its_run():
    layer = page([(0.05, "Lieferant"), (0.05, "@0.6 RECHNUNGS-KORREKTUR"), (0.1, "@0.6 Kunden-Nr.: 4711")])
    types = {c.value: c for c in feat.generate([layer]) if c.kind == "type"}
    credit = types["credit_note"]
    assert credit.text == "RECHNUNGS-KORREKTUR" and credit.feats["type_count"] == 1
    assert credit.feats["type_line_start"] == 1.0  # first of its run, though not of the row
    assert types["invoice"].feats["type_count"] == 0  # "Rechnungs-" is no invoice title of its own
    assert list(find_labels([tokens("Kunden-Nr.:"), tokens("4711")])) == [("customer", 0, 0)]


def test_a_number_word_compounded_with_another_documents_type_says_whose_number_it_is():
    assert sorted(find_labels([tokens("Ordernummer:")])) == [("number", 0, 0), ("t_order", 0, 0)]
    assert list(find_labels([tokens("Rechnungssumme")])) == [("total", 0, 0)]  # a sum, no title
    found = feat.generate([page([(0.05, "FACTUUR"), (0.1, "Factuurnummer: 993548900"), (0.12, "Ordernummer: 1257210")])])
    idents = {c.value: c.feats for c in found if c.kind == "ident"}
    assert idents["1257210"]["ident_title_main"] == 0.0 and idents["1257210"]["left_number"] == 0
    assert idents["993548900"]["left_docnum"] == 0


def test_dates_are_numbered_in_the_order_the_page_prints_them():
    found = feat.generate([page([(0.05, "Datum: 31.03.2020"), (0.1, "Lieferdatum: 15.04.2020"),
                                 (0.3, "Zahlbar bis 30.04.2020"), (0.3, "@0.6 15.04.2020")])])
    order = sorted((c.feats["date_order"], c.value) for c in found if c.kind == "date" and not c.feats["date_alt"])
    assert order == [(0.0, "2020-03-31"), (1.0, "2020-04-15"), (2.0, "2020-04-30"), (3.0, "2020-04-15")]


def test_a_postcode_and_town_is_told_from_other_numbers_beside_words():
    from ocr_sidecar.reader.page import postal  # noqa: PLC0415
    from ocr_sidecar.words import Word  # noqa: PLC0415

    def words(text):
        return [Word(t, (0.0, 0.0, 0.01, 0.01)) for t in text.split()]

    for address in ("DE 80333 München", "F-75002 Paris", "1016 DC Amsterdam", "EC1A 1BB London", "Austin, TX 78701"):
        assert postal(words(address)), address
    for other in ("Rechnungsnummer 471102", "Hauptstraße 12", "Total 1234,50 EUR", "Tel. 030 1234567"):
        assert not postal(words(other)), other


def test_a_word_the_pdf_printed_in_pieces_is_read_whole_and_a_space_is_kept():
    def row(y: float, *pieces: tuple[str, float]) -> list[Word]:  # (text, gap before it in word heights)
        out, left = [], 0.08
        for text, gap in pieces:
            left += gap * 0.011
            out.append(Word(text, (left, y, left + len(text) * 0.006, y + 0.011)))
            left += len(text) * 0.006
        return out

    words = row(0.05, ("Ver", 0), ("käufer:", 0.15)) + row(0.07, ("Lieferant", 0), ("GmbH", 0.6)) \
        + row(0.2, ("Br", 0), ("uttosumme", 0.15), ("1.190,00", 8)) \
        + row(0.25, ("VAT", 0), ("exemption", 0.3), ("Ver", 0.6), ("Käufer", 0.1)) \
        + row(0.3, *[(w, 0.6) for w in "Zahlbar innerhalb von dreißig Tagen ohne Abzug an uns".split()])
    _, pages = find([WordLayer("pdf", assign_lines(words))])
    texts = [[w.text for w in line] for line in pages[0].lines]
    assert texts[0] == ["Verkäufer:"] and texts[2][:2] == ["Bruttosumme", "1.190,00"]
    assert texts[3] == ["VAT", "exemption", "Ver", "Käufer"]  # a space (half the usual), a capital: two words
    labels = {(label.line, label.name) for label in pages[0].labels}
    assert (0, "seller_hint") in labels and (2, "total") in labels
    assert pages[0].lines[0][0].box == (0.08, 0.05, pytest.approx(0.08 + 0.15 * 0.011 + 10 * 0.006), 0.061)


def test_a_program_s_version_or_print_date_is_no_document_date():
    _, pages = find([page([(0.05, "Stylesheet-Version: 2.6 vom 10.11.2025"), (0.07, "Gedruckt am 03.12.2025"),
                           (0.09, "Printed on 12/03/2025"), (0.2, "Rechnung Nr. 4711 vom 01.12.2025")])])
    names = {label.line: label.name for label in pages[0].labels if label.name in ("other_date", "date")}
    assert names == {0: "other_date", 1: "other_date", 2: "other_date"}


def test_a_word_set_in_camel_case_is_read_by_its_parts_unless_the_whole_is_a_label():
    _, pages = find([page([(0.05, "1 1 Small Business StandardExchange 2010 3,89 3,89"), (0.1, "RechnungsNummer: 4711"),
                           (0.15, "MwSt. 19 %"), (0.2, "Barzahlung 0,00")])])
    labels = {(label.line, label.name) for label in pages[0].labels}
    assert not any(line == 0 for line, _ in labels)  # "StandardExchange" is no compound of "change" ("Barzahlung" one of "Zahlung")
    assert (1, "docnum") in labels and (2, "tax") in labels and (3, "paid") in labels


def test_of_a_row_of_column_headings_only_the_one_over_a_value_is_its_label():
    found = feat.generate([page([(0.1, "@0.1 Klant"), (0.1, "@0.3 Order"), (0.1, "@0.5 Factuur datum"),
                                 (0.1, "@0.7 Factuur"), (0.125, "@0.1 SCONL0303"), (0.125, "@0.3 SCONL0444"),
                                 (0.125, "@0.5 8-9-2022"), (0.125, "@0.7 VF1005193039"), (0.125, "@0.8 4711")])])
    feats = {str(c.value): c.feats for c in found if c.kind in ("ident", "date")}
    number = feats["VF1005193039"]
    assert "above_t_invoice" in number and "above_date" not in number  # "Factuur datum" is its neighbour's
    assert "above_date" in feats["2022-09-08"] and "above_t_order" in feats["SCONL0444"]
    assert "above_t_invoice" in feats["4711"]  # no heading over it: the nearest one counts


def test_a_number_with_a_date_inside_it_is_a_number_and_a_date_alone_is_not():
    found = feat.generate([page([(0.05, "Invoice INV/2023/03/0008"), (0.1, "Date: 2023/03/20"),
                                 (0.15, "Ref 20.03.2023-017")])])
    idents = {c.value for c in found if c.kind == "ident"}
    assert "INV/2023/03/0008" in idents and "20.03.2023-017" in idents
    assert "2023/03/20" not in idents  # a date and nothing more


def test_a_title_before_another_label_is_not_the_values_title():
    found = feat.generate([page([(0.05, "FACTURE N° : F20180027"),
                                 (0.3, "Références sur la facture GLN : 3654789851")])])
    idents = {c.value: c.feats for c in found if c.kind == "ident"}
    assert idents["F20180027"]["ident_title_line"] == 1.0
    assert idents["3654789851"]["ident_title_line"] == 0.0  # "GLN :" stands between: the GLN's value


def test_labels_of_registrations_payment_sentences_and_gstins():
    def names(text: str) -> set[str]:
        return {name for name, _, _ in find_labels([tokens(w) for w in text.split()])}

    assert "taxno" in names("WEE-Reg-Nr. : DE87654321") and "number" not in names("WEE-Reg-Nr. : DE87654321")
    assert names("Please use the following communication for your payment : 202309097001") == {"payref"}
    assert "payref" in names("Bitte bei Überweisung angeben: RE-4711")
    assert names("Payment: 12,00") == {"paid"}  # a payment's word alone stays a payment
    assert "vatid" in names("GSTIN 06AABCO6063D1ZQ")


def test_an_indian_gstin_is_a_vat_id_when_its_check_character_holds():
    found = feat.generate([page([(0.05, "GSTIN CIN"), (0.07, "06AABCO6063D1ZQ U63090DL2012PTC231770"),
                                 (0.1, "GSTIN 06AABCO6063D1ZX")])])
    vats = {c.value for c in found if c.kind == "vat"}
    assert "06AABCO6063D1ZQ" in vats and "06AABCO6063D1ZX" not in vats and "U63090DL2012PTC231770" not in vats


def test_an_order_confirmation_s_order_number_is_its_own_and_an_invoice_s_order_is_not():
    confirmation = feat.generate([page([(0.05, "ORDER CONFIRMATION"), (0.1, "Order No. SO-4711"),
                                        (0.3, "Beratung 1 100,00")])])
    number = next(c for c in confirmation if c.kind == "ident" and c.value == "SO-4711")
    assert number.feats["ident_title_main"] == 1.0  # an order and its confirmation: one kind of document
    invoice = feat.generate([page([(0.05, "INVOICE"), (0.1, "Order No. PO-4711"), (0.3, "Beratung 1 100,00")])])
    order = next(c for c in invoice if c.kind == "ident" and c.value == "PO-4711")
    assert order.feats["ident_title_main"] == 0.0


def test_a_tax_summary_printing_its_rates_without_the_sign_under_a_heading_that_says_percent():
    """An e-invoice visualisation's "Steueraufschlüsselung": the rate column headed "USt. %", its cells bare."""
    layer = page([(0.05, "Rechnung Nr. 4711 vom 06.08.2018"),
                  (0.5, "Art (Kategorie) Warenwert Basisbetrag USt. % Steuerbetrag"),
                  (0.53, "Umsatzsteuer (S) 326,50 321,40 19 61,07"),
                  (0.56, "Umsatzsteuer (S) 130,70 127,59 7 8,93"),
                  (0.62, "Rechnungssumme ohne USt. @0.6 448,99"), (0.65, "Steuerbetrag in EUR @0.6 70,00"),
                  (0.68, "Bruttosumme @0.6 518,99")])
    rows = {(c.value[0], c.value[1], c.value[2]) for c in feat.generate([layer]) if c.kind == "taxrow"}
    assert (19.0, 321.4, 61.07) in rows and (7.0, 127.59, 8.93) in rows
    taxes = read_layers([layer]).document.get("taxes") or []
    assert sorted((t["rate"], t["base"], t["amount"]) for t in taxes) == [(7.0, 127.59, 8.93), (19.0, 321.4, 61.07)]


def test_a_tax_has_its_base_s_sign_a_discount_of_a_rate_is_no_tax_row():
    """ "Remise 2,00 % sur 100,00 EUR -2,00": 2 % of 100 is 2, but a negative amount beside a positive base is a
    discount's; a credit note prints both negative ("TVA 20 % -100,00 -20,00") and its row stays."""
    found = feat.generate([page([(0.1, "REMISE 2,00 % sur 100,00 EUR EUR -2,00"), (0.12, "Net 100,00")])])
    assert not any(c.value[1] for c in found if c.kind == "taxrow")  # no base, on its line or the next
    found += feat.generate([page([(0.2, "TVA 20 % -100,00 -20,00")])])
    assert (20.0, 100.0, 20.0) in {c.value for c in found if c.kind == "taxrow"}
    signs = {c.text: c.feats["amount_negative"] for c in found if c.kind == "amount"}
    assert signs["EUR -2,00"] == signs["-20,00"] == 1.0 and signs["100,00 EUR"] == 0.0


def test_a_tax_id_no_check_knows_is_offered_after_its_label_unchecked():
    """A US EIN, an Indian TIN: no country prefix, so python-stdnum's VAT check cannot know them. Printed after a
    VAT id's label they are offered, ``id_checksum`` saying unchecked; the same digits with no label are not."""
    found = feat.generate([page([(0.05, "VAT/TIN: 29670869006"), (0.1, "EIN 12-3456789 Phone 555 0100"),
                                 (0.15, "Order 40125551234"), (0.2, "Tax ID: 01.02.2024")])])
    vats = {c.value: c.feats["id_checksum"] for c in found if c.kind == "vat"}
    assert vats == {"29670869006": 0.5, "123456789": 0.5}
    # a valid VAT id after the label is the checked one, not offered twice
    checked = [c for c in feat.generate([page([(0.05, "VAT No.: DE 123 456 788")])]) if c.kind == "vat"]
    assert [(c.value, c.feats["id_checksum"]) for c in checked] == [("DE123456788", 1.0)]
    # nor any part of it: a Swiss UID's number without its MWST is no second, unchecked id
    swiss = [c for c in feat.generate([page([(0.05, "MWST-Nr. CHE-927.157.886 MWST")])]) if c.kind == "vat"]
    assert [(c.value, c.feats["id_checksum"]) for c in swiss] == [("CHE927157886MWST", 1.0)]


def test_an_iban_of_the_wrong_length_is_offered_only_where_it_is_printed_as_the_iban():
    # a test page's account: DE IBANs have 22 characters, this one 18; every group read, none left out
    found = feat.generate([page([(0.05, "IBAN : DE12 1234 4321 9876 00"), (0.1, "Ref DE12 1234 4321 9876 00")])])
    ibans = [(c.value, c.line, c.feats["id_checksum"]) for c in found if c.kind == "iban"]
    assert ibans == [("DE1212344321987600", 0, 0.0)]
    # under its label, on the line below
    below = feat.generate([page([(0.05, "IBAN"), (0.08, "DE12 1234 4321 9876 00")])])
    assert [c.value for c in below if c.kind == "iban"] == ["DE1212344321987600"]


def test_a_list_s_bullet_opens_no_name():
    names = {c.value: c.feats for c in feat.generate([page([(0.05, "• Courrier : Free Service Abonné"),
                                                            (0.1, "▪ ACME Ltd")])]) if c.kind == "name"}
    assert not any(value.startswith(("•", "▪")) for value in names)
    assert names["ACME Ltd"]["name_after_label"] == 0.0 and names["Free Service Abonné"]["name_after_label"] == 1.0
