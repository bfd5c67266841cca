"""benchmarks/words_reader.py computes its figures right: top-1, top-3, the tax rows matched as a set, ECE,
the agreement counts; its corpus documents are read from the printed text layer only, its public ones get the
XML as gold. The words reader, its generator and ``agree.compare`` are fakes here (monkeypatched), so these
tests check the benchmark, not the reader."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import types
from collections import Counter
from dataclasses import dataclass

import pytest

from conftest import DOCUMENTS_DIR, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import words_reader as bench  # noqa: E402
import words_reader_score as scoring  # noqa: E402
import words_reader_sets as sets  # noqa: E402

import ocr_sidecar.reader  # noqa: E402
from ocr_sidecar.match import values_match  # noqa: E402
from ocr_sidecar.reader import HEADER_PATHS, Candidate, Reading  # noqa: E402
from ocr_sidecar.words import Word, WordLayer, assign_lines  # noqa: E402

PDFS = ("i2d_NetpresseInvoice.pdf", "fx_EN16931_Einfach.pdf", "ox_ORDER-X_EX03_ORDER_BASIC_DATA-COMFORT.pdf")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if not DOCUMENTS_DIR.is_dir():
        pytest.skip(f"no corpus at {DOCUMENTS_DIR}")
    folder = tmp_path_factory.mktemp("docs")
    for name in PDFS:
        shutil.copy(DOCUMENTS_DIR / name, folder / name)
        gold = name.rsplit(".", 1)[0] + ".gold.json"
        shutil.copy(DOCUMENTS_DIR / gold, folder / gold)
    return folder


def candidates_from(gold: dict, score: float = 1.0, wrong: bool = False) -> dict:
    """Every scored value of ``gold`` as its only candidate (or, ``wrong``, a value that is not it)."""
    out = {}
    changed = scoring.inject(gold, 1.0, __import__("random").Random(1))[0] if wrong else gold
    for path in scoring.gold_paths(gold):
        out[path] = [Candidate(scoring.gold_at(changed, path), score, 1)]
    return out


def reader_of(golds: dict, score: float = 1.0, wrong: bool = False):
    """A fake ``read_layers``: the gold of the document whose layers it is given (by identity)."""
    def read_layers(layers):
        gold = golds[id(layers)]
        return Reading(document=gold, candidates=candidates_from(gold, score, wrong))
    return read_layers


def test_corpus_pdfs_are_read_from_their_text_layer_and_a_perfect_reader_scores_everything(corpus, monkeypatch):
    docs = list(bench.corpus_pdf_docs(corpus))
    assert [d.name for d in docs] == sorted(PDFS)
    for doc in docs:  # the Factur-X / Order-X XML inside is never the reading: words from the printed page
        assert doc.kind == "born_digital" and doc.layers
        assert all(layer is not None and layer.source == "pdf" and layer.words for layer in doc.layers)
    fx = next(d for d in docs if d.name == "fx_EN16931_Einfach.pdf")
    text = " ".join(w.text for layer in fx.layers for w in layer.words)
    assert "Lieferant" in text or "Rechnung" in text

    monkeypatch.setattr(ocr_sidecar.reader, "read_layers", reader_of({id(d.layers): d.gold for d in docs}))
    tallies: dict = {}
    bench.measure(docs, tallies)
    tally = tallies[("corpus-pdf", "born_digital")]
    n, top1, top3 = tally.header()
    expected = sum(len(scoring.gold_paths(d.gold)) for d in docs)
    assert n == expected > 30 and top1 == top3 == n
    assert tally.fields["total"] == [3, 3, 3] and tally.fields["taxes[].amount"][0] >= 2
    assert scoring.ece(tally.points) == 0.0 and len(tally.points) == n  # score 1.0, always right
    assert tally.documents == 3 and tally.pages == sum(len(d.layers) for d in docs) and len(tally.ms) == 3
    goals = dict((g, m) for g, m, _ in bench.goals(bench.BORN_DIGITAL, tally))
    assert goals["header top-1 ≥ 90%"] and goals["total top-1 ≥ 95%"] and goals["ECE ≤ 5%"]


def test_an_always_wrong_reader_scores_nothing_and_its_confidence_is_its_error(corpus, monkeypatch):
    docs = list(bench.corpus_pdf_docs(corpus, "i2d_*"))
    monkeypatch.setattr(ocr_sidecar.reader, "read_layers",
                        reader_of({id(d.layers): d.gold for d in docs}, score=0.3, wrong=True))
    tallies: dict = {}
    bench.measure(docs, tallies)
    tally = tallies[("corpus-pdf", "born_digital")]
    n, top1, top3 = tally.header()
    assert n > 10 and top1 == top3 == 0
    assert scoring.ece(tally.points) == pytest.approx(0.3)  # every candidate at 0.3, none right
    goals = {g: m for g, m, _ in bench.goals(bench.BORN_DIGITAL, tally)}
    assert not goals["header top-1 ≥ 90%"] and not goals["ECE ≤ 5%"]


def test_names_a_legal_form_apart_stay_misses_and_are_counted_apart(corpus, monkeypatch):
    """ "Au bon moulin SARL" for a gold "Au bon moulin" is wrong by the evaluation's rule (fuzzy ≥ 90); the goal's
    line says how many of the misses are that, and nothing else is counted so."""
    docs = list(bench.corpus_pdf_docs(corpus, "fx_*"))
    golds = {id(d.layers): d.gold for d in docs}
    names = [p for p in scoring.gold_paths(docs[0].gold) if p.endswith(".name")]
    assert names

    def read_layers(layers):
        gold = golds[id(layers)]
        found = candidates_from(gold)
        for path in names:  # the first with a legal form added, the second another name
            value = scoring.gold_at(gold, path)
            found[path] = [Candidate(f"{value} SARL", 0.9, 1)] if path == names[0] else [
                Candidate("Zebra Holdings", 0.9, 1)]
        return Reading(document=gold, candidates=found)

    monkeypatch.setattr(ocr_sidecar.reader, "read_layers", read_layers)
    tallies: dict = {}
    bench.measure(docs, tallies)
    tally = tallies[("corpus-pdf", "born_digital")]
    n, _, top3 = tally.header()
    assert top3 == n - len(names) and tally.legal_only == 1
    figure = dict((g, f) for g, _, f in bench.goals(bench.BORN_DIGITAL, tally))["header top-3 ≥ 97%"]
    assert figure.endswith("of the misses, 1 party names a candidate gives but for a legal form")


def test_ece_by_hand():
    # bin 9: two candidates at 0.9, one right: |1 - 1.8|; bin 2: two at 0.2, none right: |0 - 0.4|; over 4
    assert scoring.ece([(0.9, True), (0.9, False), (0.2, False), (0.2, False)]) == pytest.approx(0.3)
    assert scoring.ece([(1.0, True), (0.0, False)]) == 0.0  # a score of 1.0 falls in the last bin
    assert scoring.ece([]) is None


def test_top3_tax_rows_as_a_set_and_missing_candidates():
    gold = {"document_number": "INV-7", "total": 119.0, "issue_date": "2024-03-05", "seller": {"name": "ACME GmbH"},
            "taxes": [{"rate": 19.0, "base": 100.0, "amount": 19.0}, {"rate": 7.0, "base": 10.0, "amount": 0.7}]}
    reading = Reading(document={}, candidates={
        "document_number": [Candidate("INV-1", 0.6, 1), Candidate("inv-7", 0.3, 1)],  # right as second: top-3
        "total": [Candidate(100.0, 0.5, 1), Candidate(19.0, 0.2, 1), Candidate(7.0, 0.1, 1),
                  Candidate(119.004, 0.05, 1)],  # right only as fourth: neither
        "issue_date": [Candidate("2024-03-05", 0.9, 1)],
        # seller.name: no candidate, a miss
        "taxes[0].rate": [Candidate(7.0, 0.8, 1)], "taxes[0].base": [Candidate(10.0, 0.8, 1)],
        "taxes[0].amount": [Candidate(0.7, 0.8, 1)],
        "taxes[1].rate": [Candidate(19.0, 0.8, 1)], "taxes[1].base": [Candidate(100.0, 0.8, 1)],
        "taxes[1].amount": [Candidate(1.9, 0.8, 1), Candidate(19.0, 0.1, 1)],
    })
    outcomes, points = scoring.score_reading(gold, reading)
    by = {(o.path, repr(o.gold)): (o.top1, o.top3) for o in outcomes}
    assert by[("document_number", "'INV-7'")] == (False, True)
    assert by[("total", "119.0")] == (False, False)
    assert by[("issue_date", "'2024-03-05'")] == (True, True)
    assert by[("seller.name", "'ACME GmbH'")] == (False, False)
    # the reader's rows in the other order are paired with the gold's: all right, the 19.00 tax as second
    assert by[("taxes[].rate", "19.0")] == (True, True) and by[("taxes[].rate", "7.0")] == (True, True)
    assert by[("taxes[].amount", "19.0")] == (False, True) and by[("taxes[].amount", "0.7")] == (True, True)
    assert len(outcomes) == 4 + 6
    assert len(points) == 2 + 4 + 1 + 7 and sum(r for _, r, _ in points) == 1 + 1 + 1 + 6


def test_a_value_filled_where_the_gold_has_none_is_counted_as_a_false_fill():
    gold = {"document_number": "INV-7", "total": 119.0, "seller": {"name": "ACME GmbH"}}
    reading = Reading(document={"document_number": "INV-7", "total": 119.0, "due_date": "2024-04-05",
                                "buyer": {"name": "ACME GmbH", "vat": ""}}, candidates={})
    filled, empty = scoring.false_fills(gold, reading)
    assert filled == ["due_date", "buyer.name"]  # made up: the gold prints no due date and no buyer
    assert empty == len(HEADER_PATHS) - 3
    assert scoring.false_fills(gold, Reading(document=dict(gold), candidates={}))[0] == []


def test_the_public_set_takes_the_xml_as_gold_and_reads_only_the_page(corpus, tmp_path):
    from ocr_sidecar.einvoice import try_extract

    public = tmp_path / "public"
    (public / "repo").mkdir(parents=True)
    shutil.copy(corpus / "fx_EN16931_Einfach.pdf", public / "repo" / "a.pdf")
    shutil.copy(corpus / "fx_EN16931_Einfach.pdf", public / "repo" / "b.pdf")  # same bytes: once
    shutil.copy(corpus / "i2d_NetpresseInvoice.pdf", public / "repo" / "plain.pdf")  # no XML: no gold
    shutil.copy(corpus / "fx_EN16931_Einfach.pdf", public / "repo" / "invalidXMP.pdf")  # a suite's failing file
    skipped = Counter()
    docs = list(sets.public_docs(public, None, skipped))
    assert [d.name for d in docs] == ["repo/a.pdf"]
    doc = docs[0]
    assert doc.gold == try_extract((public / "repo" / "a.pdf").read_bytes()).document
    assert all(layer.source == "pdf" for layer in doc.layers)
    assert {"document_type", "currency", "total", "document_number"} <= doc.printed
    assert skipped == {"same bytes as another file": 1, "no readable e-invoice XML": 1,
                       "a test file its suite marks failing or invalid": 1}
    skipped.clear()
    assert list(sets.public_docs(public, corpus, skipped)) == []  # the corpus's own document: left out
    assert skipped["a corpus document (same bytes)"] == 3  # a.pdf, b.pdf and plain.pdf


def test_ocr_layers_come_from_the_cache_when_it_has_them(corpus, tmp_path, monkeypatch):
    layer = sets.pdf_layers((corpus / "i2d_NetpresseInvoice.pdf").read_bytes(), "x.pdf")[0]
    again = sets._layer_from_json(json.loads(json.dumps(sets._layer_json(layer))))
    assert [(w.text, w.box, w.line) for w in again.words] == [(w.text, w.box, w.line) for w in layer.words]
    content = b"not really an image"
    key = f"{hashlib.sha256(content).hexdigest()[:32]}-{sets._ocr_version()}.json"
    (tmp_path / key).write_text(json.dumps({"ocr_ms": 1234.0, "pages": [sets._layer_json(layer), None]}))
    monkeypatch.setattr(sets, "open_words", lambda *a, **k: pytest.fail("OCR run despite the cache"))
    layers, ms = sets.ocr_layers(content, "x.png", tmp_path)
    assert ms == 1234.0 and layers[1] is None and len(layers[0].words) == len(layer.words)


@dataclass
class Sample:
    layers: list
    gold: dict
    kind: str
    lang: str
    doc_type: str


def _fake_synth(seed: int, count: int):
    kinds = ("born_digital", "scan", "photo")
    for i in range(count):
        words = assign_lines([Word("Invoice", (0.1, 0.1, 0.2, 0.12)), Word(f"R-{seed}-{i}", (0.3, 0.1, 0.4, 0.12)),
                              Word("Total", (0.1, 0.8, 0.2, 0.82)), Word(f"{100 + i},00", (0.5, 0.8, 0.6, 0.82))])
        gold = {"document_type": "invoice", "document_number": f"R-{seed}-{i}", "total": 100.0 + i,
                "issue_date": "2025-01-31", "currency": "EUR", "seller": {"name": "Müller & Söhne GmbH"},
                "taxes": [{"rate": 19.0, "base": 100.0, "amount": 19.0}]}
        yield Sample([WordLayer("pdf", words)], gold, kinds[i % 3], "de", "invoice")


def _fake_compare(document: dict, reading: Reading) -> list[dict]:
    """Flags the fields where the document's value is not the reading's best."""
    out = []
    for path, found in reading.candidates.items():
        value = scoring.gold_at(document, path)
        if found and not values_match(path.rsplit(".", 1)[-1], value, found[0].value):
            out.append({"path": path, "ours": found[0].value, "theirs": value})
    return out


def test_main_reads_every_set_prints_the_goals_and_measures_agreement(corpus, tmp_path, monkeypatch, capsys):
    golds: dict = {}

    synthetic = {s.gold["document_number"]: s.gold for s in _fake_synth(907, 6)}

    def read_layers(layers):  # perfect on every document: a synthetic one found by its number, a PDF by its layers
        words = layers[0].words
        gold = synthetic.get(words[1].text) if len(words) == 4 else None
        gold = gold or golds[id(layers)]
        return Reading(document=gold, candidates=candidates_from(gold, score=1.0))

    real_pdf_docs = bench.corpus_pdf_docs
    kept = []  # alive, so that no later document's layers get the same id

    def corpus_pdf_docs(documents, pattern="*"):
        for doc in real_pdf_docs(documents, pattern):
            golds[id(doc.layers)] = doc.gold
            kept.append(doc)
            yield doc

    monkeypatch.setattr(bench, "corpus_pdf_docs", corpus_pdf_docs)
    monkeypatch.setattr(ocr_sidecar.reader, "read_layers", read_layers)
    monkeypatch.setitem(sys.modules, "ocr_sidecar.reader.synth", types.SimpleNamespace(samples=_fake_synth))
    monkeypatch.setitem(sys.modules, "ocr_sidecar.reader.agree", types.SimpleNamespace(compare=_fake_compare))
    out = tmp_path / "out.json"
    assert bench.main(["--sets", "corpus-pdf,synthetic", "--documents", str(corpus), "--count", "6",
                       "--agreement", "--json-out", str(out)]) == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert set(report["sets"]) == {"corpus-pdf/born_digital", "synthetic/born_digital", "synthetic/scan",
                                   "synthetic/photo"}
    for name, figures in report["sets"].items():
        assert figures["header"]["top1"] == figures["header"]["n"] > 0, name
        assert figures["ece"] == 0.0 and figures["errors"] == []
        agreement = figures["agreement"]
        assert agreement["injected"] >= figures["documents"] and agreement["caught"] == agreement["injected"], name
        assert agreement["right"] > 0 and agreement["falsely_flagged"] == 0, name
        assert figures["agreement_goal"] == agreement, name  # no public XML: the goals count every value
    assert report["sets"]["synthetic/scan"]["documents"] == 2
    assert "| **header (all of the above)** | **" in printed and "## synthetic" in printed
    assert "- corpus-pdf, born-digital: header top-1 ≥ 90%: MET (" in printed
    assert "- synthetic, scans/photos: header top-3 ≥ 90%: MET (" in printed
    assert "disagreement on injected wrong values ≥ 90%: MET (" in printed
    assert "MISSED" not in printed


def test_injected_values_are_wrong_by_the_eval_rules():
    gold = {"document_type": "invoice", "document_number": "2022089083", "issue_date": "2022-11-08",
            "due_date": "2022-12-28", "currency": "EUR", "seller": {"name": "NETPRESSE", "vat": "FR12345678901"},
            "buyer": {"name": "ALEXINUX"}, "total": 56.02, "taxes": [{"rate": 20.0, "base": 46.68, "amount": 9.34}]}
    document, injected = scoring.inject(gold, 1.0, __import__("random").Random(3))
    assert sorted(injected) == sorted(scoring.gold_paths(gold))
    for path in injected:
        name = path.rsplit(".", 1)[-1]
        assert not values_match(name, scoring.gold_at(gold, path), scoring.gold_at(document, path)), path
    assert scoring.flagged_paths(["total", {"path": "currency"}, types.SimpleNamespace(path="seller.vat")]) == {
        "total", "currency", "seller.vat"}
    agreement = types.SimpleNamespace(confirmed=["total"], disagreements=[types.SimpleNamespace(path="due_date")])
    assert scoring.flagged_paths(agreement) == {"due_date"}  # agree.compare's result: its disagreements
    assert HEADER_PATHS[0] == "document_type"


def test_agreement_over_printed_values_injects_and_counts_only_those():
    gold = {"document_type": "invoice", "document_number": "2022089083", "issue_date": "2022-11-08",
            "currency": "EUR", "seller": {"name": "NETPRESSE", "vat": "FR12345678901"}, "total": 56.02}
    printed = {"document_type", "document_number", "total"}  # the page does not print the others
    assert scoring.gold_paths(gold, only=printed) == ["document_type", "document_number", "total"]
    document, injected = scoring.inject(gold, 1.0, __import__("random").Random(3), only=printed)
    assert sorted(injected) == ["document_number", "document_type", "total"]
    assert document["seller"] == gold["seller"] and document["currency"] == "EUR"


def test_the_agreement_goals_count_the_values_the_page_prints_where_the_gold_states_more():
    tally = bench.Tally()
    tally.agree = [10, 6, 100, 30]  # every XML value: the page prints some of them nowhere
    tally.agree_goal = [10, 10, 90, 1]
    figures = {goal: (met, figure) for goal, met, figure in bench.goals("born-digital", tally)}
    assert figures["disagreement on injected wrong values ≥ 90%"] == (True, "10/10 = 100.0%")
    assert figures["false disagreements on right values ≤ 3%"] == (True, "1/90 = 1.1%")
    merged = bench.Tally()
    merged.add(tally)
    merged.add(tally)
    assert merged.agree_goal == [20, 20, 180, 2] and merged.agree == [20, 12, 200, 60]
