"""The evaluation harness: scoring rules, line assignment, the Python API and the `eval` command."""

from __future__ import annotations

import copy
import csv
import itertools
import json
import random
import shutil
import textwrap
import types
from concurrent import futures
from pathlib import Path

import grpc
import pytest
import typer
from typer.testing import CliRunner

from ocr_sidecar import eval as ev
from ocr_sidecar.proto import document_service_pb2 as pb
from ocr_sidecar.proto import document_service_pb2_grpc as pb_grpc

from conftest import DOCUMENTS_DIR, corpus, load_gold

MIETE = DOCUMENTS_DIR / "fx_EN16931_Miete.pdf"  # 6 lines, 1 tax


def _scored(doc: dict) -> int:
    return ev.score_document(doc, doc).scored


# --- scoring a document -------------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.stem)
def test_gold_against_itself_is_perfect(path: Path):
    gold = load_gold(path)
    score = ev.score_document(gold, copy.deepcopy(gold))
    assert score.scored > 0
    assert (score.accuracy, score.exact_accuracy) == (1.0, 1.0)
    assert all(summary.extra == 0 and summary.missing == 0 for summary in score.lists.values())


def test_only_gold_keys_are_scored():
    gold = {"document_number": "A-1", "seller": {"name": "ACME"}}
    predicted = {"document_number": "A-1", "seller": {"name": "ACME", "vat": "DE1"}, "total": 5.0, "lines": [{}]}
    score = ev.score_document(gold, predicted)
    assert [f.path for f in score.fields] == ["document_number", "seller.name"]
    assert score.accuracy == 1.0


def test_changing_one_field_costs_exactly_one_field():
    gold = load_gold(MIETE)
    n = _scored(gold)
    for mutate in (lambda d: d.__setitem__("document_number", "X"),
                   lambda d: d["seller"]["address"].__setitem__("city", "Elsewhere"),
                   lambda d: d["lines"][3].__setitem__("amount", d["lines"][3]["amount"] + 1),
                   lambda d: d["taxes"][0].__setitem__("rate", 7.0)):
        predicted = copy.deepcopy(gold)
        mutate(predicted)
        score = ev.score_document(gold, predicted)
        assert (score.scored, score.matched) == (n, n - 1)
        assert score.accuracy == pytest.approx((n - 1) / n)


def test_a_dropped_line_costs_its_fields_and_an_extra_line_costs_nothing():
    gold = load_gold(MIETE)
    n = _scored(gold)
    dropped = copy.deepcopy(gold)
    removed = dropped["lines"].pop(2)
    score = ev.score_document(gold, dropped)
    assert score.matched == n - len(removed)
    assert score.accuracy == pytest.approx((n - len(removed)) / n)
    assert (score.lists["lines"].missing, score.lists["lines"].extra) == (1, 0)

    extra = copy.deepcopy(gold)
    extra["lines"].append({"description": "Parking", "quantity": 1, "amount": 5.0})
    score = ev.score_document(gold, extra)
    assert score.accuracy == 1.0
    assert (score.lists["lines"].missing, score.lists["lines"].extra) == (0, 1)


def test_line_order_does_not_matter():
    gold = load_gold(MIETE)
    swapped = copy.deepcopy(gold)
    swapped["lines"][0], swapped["lines"][4] = swapped["lines"][4], swapped["lines"][0]
    assert ev.score_document(gold, swapped).accuracy == 1.0
    shuffled = copy.deepcopy(gold)
    random.Random(7).shuffle(shuffled["lines"])
    shuffled["taxes"].reverse()
    assert ev.score_document(gold, shuffled).accuracy == 1.0


def test_line_pairing_is_optimal_not_greedy():
    # Greedy pairing of gold[0] with its best candidate (pred[0], 2 matches) leaves gold[1] with
    # nothing; the optimal pairing crosses over and matches 2 + 3 fields.
    gold = {"lines": [{"description": "Bolt", "quantity": 1, "amount": 3.0},
                      {"description": "Nut", "quantity": 1, "amount": 2.0}]}
    predicted = {"lines": [{"description": "Bolt", "quantity": 1, "amount": 2.0},
                           {"description": "Washer", "quantity": 1, "amount": 3.0}]}
    score = ev.score_document(gold, predicted)
    # Straight: Bolt↔Bolt (description, quantity) + Nut↔Washer (quantity) = 3 fields.
    # Crossed: Bolt↔Washer (quantity, amount) + Nut↔Bolt (quantity, amount) = 4 fields.
    assert score.matched == 4


def test_missing_prediction_scores_zero_and_null_gold_wants_null():
    gold = load_gold(MIETE)
    assert ev.score_document(gold, None).matched == 0
    score = ev.score_document({"order_reference": None, "buyer": None}, {"order_reference": "", "buyer": {"name": None}})
    assert score.accuracy == 1.0
    assert ev.score_document({"order_reference": None}, {"order_reference": "PO-1"}).accuracy == 0.0


@pytest.mark.parametrize("field, gold, predicted, match", [
    ("total", 529.87, 529.874, True),
    ("total", 529.87, 529.88, False),
    ("total", 529.87, "529.87", True),
    ("unit_price", 3.3333, 3.33, True),
    ("issue_date", "2018-03-05", "2018-03-05T00:00:00", True),
    ("issue_date", "2018-03-05", "05.03.2018", True),
    ("issue_date", "2018-03-05", "2018-05-03", False),
    ("vat", "DE123456789", "de 123 456 789", True),
    ("iban", "FR7612542547256985425874698", "FR76 1254 2547 2569 8542 5874 698", True),
    ("vat", "DE123456789", "DE123456780", False),
    ("name", "Lieferant GmbH", "LIEFERANT GMBH", True),
    ("name", "Metallbau Leipzig GmbH & Co. KG", "Metallbau Leipzig GmbH & Co KG", True),
    ("name", "Lieferant GmbH", "Kunden AG", False),
    ("description", "Trennblätter A4", "Trennblatter A4", True),
    ("street", "Kundenstraße 15", "Kundenstrasse 15", True),  # ratio 90.3
    ("street", "Bahnhofstraße 99", "Bahnhofstr. 99", False),  # ratio 86.7: abbreviations fall below 90
    ("phone", "+49 932 431 500", "0932 431500", True),
    ("phone", "+33 6 25 64 98 75", "+33 6 25 64 98 76", False),
    ("unit", "kg", "KGM", True),
    ("unit", "Units", "C62", True),
    ("unit", "MTK", "m²", True),
    ("unit", "kg", "g", False),
    ("discount_percent", 0.0, None, True),
    ("discount_percent", 10.0, None, False),
    ("document_number", "RE-20201121/508", "re-20201121/508 ", True),
    ("document_type", "credit_note", "invoice", False),
    ("zip", "06000", "6000", False),
])
def test_normalised_matching(field, gold, predicted, match):
    assert ev.values_match(field, gold, predicted) is match


def test_fuzzy_threshold_is_a_parameter():
    assert not ev.values_match("street", "Bahnhofstraße 99", "Bahnhofstr. 99", fuzzy_threshold=90)
    assert ev.values_match("street", "Bahnhofstraße 99", "Bahnhofstr. 99", fuzzy_threshold=85)


def test_exact_is_stricter_than_match():
    gold = {"seller": {"vat": "DE123456789", "name": "Lieferant GmbH"}, "total": 10.0}
    score = ev.score_document(gold, {"seller": {"vat": "DE 123 456 789", "name": "LIEFERANT GMBH"}, "total": 10})
    assert (score.matched, score.exact) == (3, 1)


def test_hungarian_matches_brute_force():
    rng = random.Random(3)
    for _ in range(200):
        rows, cols = rng.randint(1, 5), rng.randint(1, 5)
        weights = [[float(rng.randint(0, 6)) for _ in range(cols)] for _ in range(rows)]
        pairs = ev.hungarian_max(weights)
        assert len({r for r, _ in pairs}) == len(pairs) == len({c for _, c in pairs}) == min(rows, cols)
        if rows <= cols:  # every row gets a distinct column
            brute = max(sum(weights[r][c] for r, c in enumerate(p)) for p in itertools.permutations(range(cols), rows))
        else:  # every column gets a distinct row
            brute = max(sum(weights[r][c] for c, r in enumerate(p)) for p in itertools.permutations(range(rows), cols))
        assert sum(weights[r][c] for r, c in pairs) == brute, (weights, pairs)


# --- evaluate() ---------------------------------------------------------------------------------


def _small_corpus(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in names:
        src = DOCUMENTS_DIR / name
        shutil.copy(src, folder / name)
        shutil.copy(src.with_name(src.stem + ".gold.json"), folder / (src.stem + ".gold.json"))
    (folder / "notes.txt").write_text("not a document")
    (folder / "orphan.pdf").write_bytes(b"%PDF-1.4 no gold for me")
    return folder


NAMES = ["fx_EN16931_Einfach.pdf", "fx_EN16931_Miete.pdf", "i2d_oyo.pdf"]


def test_evaluate_records_errors_and_goes_on(tmp_path: Path):
    folder = _small_corpus(tmp_path, NAMES)

    def extract(path: Path) -> dict:
        if path.name == "fx_EN16931_Miete.pdf":
            raise RuntimeError("model crashed")
        return load_gold(path)

    report = ev.evaluate(folder, extract)
    assert [d.name for d in report.documents] == sorted(NAMES)  # orphan.pdf has no gold: skipped
    by_name = {d.name: d for d in report.documents}
    assert by_name["fx_EN16931_Miete.pdf"].error == "RuntimeError: model crashed"
    assert by_name["fx_EN16931_Miete.pdf"].score.matched == 0
    assert by_name["fx_EN16931_Einfach.pdf"].score.accuracy == 1.0
    overall = report.overall()
    assert overall.scored == sum(_scored(load_gold(DOCUMENTS_DIR / n)) for n in NAMES)
    assert overall.matched == overall.scored - _scored(load_gold(MIETE))
    assert report.per_field()["lines[].amount"].scored == 2 + 6 + len(load_gold(DOCUMENTS_DIR / "i2d_oyo.pdf").get("lines", []))
    assert len(ev.evaluate(folder, extract, limit=1).documents) == 1
    assert [d.name for d in ev.evaluate(folder, extract, glob="fx_*").documents] == sorted(NAMES)[:2]


def test_einvoice_over_the_corpus_einvoices_is_perfect():
    report = ev.evaluate(DOCUMENTS_DIR, ev.einvoice_extractor(), glob="[fo]x_*")
    assert len(report.documents) == 23
    assert report.overall().accuracy == 1.0, [(d.name, [f.path for f in d.score.mismatches()]) for d in report.documents]


# --- the CLI ------------------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """ocr-sidecar stand-in: eval is registered the way cli.py registers it."""

    app.command("eval")(ev.eval_command)
    return app


@pytest.fixture
def fake_extractor(tmp_path: Path, monkeypatch) -> str:
    """An importable module whose extractor returns gold, except one wrong total (a stand-in model)."""
    module = tmp_path / "fake_extractor_mod.py"
    module.write_text(textwrap.dedent("""
        import json
        from pathlib import Path
        def extract(path):
            gold = json.loads(Path(path).with_name(Path(path).stem + ".gold.json").read_text())
            if path.name == "fx_EN16931_Miete.pdf":
                gold["total"] = 1.0
            return gold
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    return "fake_extractor_mod:extract"


def test_eval_command_writes_json_and_csv(tmp_path: Path, fake_extractor: str):
    folder = _small_corpus(tmp_path, NAMES)
    out = tmp_path / "out"
    result = CliRunner().invoke(_app(), ["eval", str(folder), "--engine", fake_extractor, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "fx_EN16931_Miete.pdf" in result.output and "(overall)" in result.output

    report = json.loads((out / "report.json").read_text())
    n_total = sum(_scored(load_gold(DOCUMENTS_DIR / n)) for n in NAMES)
    assert report["overall"]["scored"] == n_total
    assert report["overall"]["matched"] == n_total - 1
    assert report["fields"]["total"] == {"scored": 3, "matched": 2, "exact": 2, "accuracy": 2 / 3, "exact_accuracy": 2 / 3}
    miete = next(d for d in report["documents"] if d["name"] == "fx_EN16931_Miete.pdf")
    assert [f["path"] for f in miete["fields"] if not f["match"]] == ["total"]

    with (out / "documents.csv").open() as fh:
        rows = {row["document"]: row for row in csv.DictReader(fh)}
    assert set(rows) == set(NAMES)
    assert rows["fx_EN16931_Einfach.pdf"]["accuracy"] == "1.0000"
    assert rows["fx_EN16931_Miete.pdf"]["gold_lines"] == "6"
    with (out / "fields.csv").open() as fh:
        fields = {row["field"]: row for row in csv.DictReader(fh)}
    assert fields["(overall)"]["matched"] == str(n_total - 1)
    with (out / "details.csv").open() as fh:
        details = list(csv.DictReader(fh))
    assert len(details) == n_total
    assert [(d["document"], d["path"], d["gold"], d["predicted"]) for d in details if d["match"] == "0"] == [
        ("fx_EN16931_Miete.pdf", "total", "340.96", "1.0")]
    markdown = (out / "report.md").read_text()
    assert "| fx_EN16931_Miete.pdf | — | 53 | 98.1% | 98.1% | 6/6/0 |" in markdown
    assert f"Overall: {n_total - 1}/{n_total} gold fields match" in markdown


def test_eval_command_min_accuracy_fails_the_run(tmp_path: Path, fake_extractor: str):
    folder = _small_corpus(tmp_path, NAMES)
    result = CliRunner().invoke(_app(), ["eval", str(folder), "--engine", fake_extractor, "--min-accuracy", "1"])
    assert result.exit_code == 1
    assert "below --min-accuracy" in result.output


def test_eval_command_einvoice_engine_and_limit(tmp_path: Path):
    folder = _small_corpus(tmp_path, NAMES)
    result = CliRunner().invoke(_app(), ["eval", str(folder), "--engine", "einvoice", "--glob", "fx_*", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "fx_EN16931_Einfach.pdf" in result.output and "fx_EN16931_Miete.pdf" not in result.output
    assert "overall match 100.0%" in result.output


def test_eval_command_explains_setup_errors(tmp_path: Path, monkeypatch):
    folder = _small_corpus(tmp_path, NAMES)
    runner = CliRunner()
    result = runner.invoke(_app(), ["eval", str(folder), "--engine", "nosuchmodule:fn"])
    assert result.exit_code == 2 and "Cannot import extractor" in result.output
    result = runner.invoke(_app(), ["eval", str(folder), "--target", "127.0.0.1:1", "--engine", "einvoice"])
    assert result.exit_code == 2 and "uses its own" in result.output
    result = runner.invoke(_app(), ["eval", str(folder), "--glob", "nothing*", "--engine", "einvoice"])
    assert result.exit_code == 2 and "no documents" in result.output
    monkeypatch.setitem(__import__("sys").modules, "ocr_sidecar.pipeline", types.ModuleType("ocr_sidecar.pipeline"))
    result = runner.invoke(_app(), ["eval", str(folder)])
    assert result.exit_code == 2 and "build_extractor" in result.output


def test_in_process_mode_uses_the_pipeline_extractor(tmp_path: Path, monkeypatch):
    calls = []
    fake = types.ModuleType("ocr_sidecar.pipeline")

    def build_extractor(engine):
        def run(content: bytes, filename: str):
            calls.append((engine, filename))
            gold = load_gold(DOCUMENTS_DIR / filename)
            return types.SimpleNamespace(document_json=json.dumps(gold), engine="replay", model="replay/gold",
                                         warnings=[types.SimpleNamespace(code="demo_model")])
        return run

    fake.build_extractor = build_extractor
    monkeypatch.setitem(__import__("sys").modules, "ocr_sidecar.pipeline", fake)
    folder = _small_corpus(tmp_path, NAMES)
    report = ev.evaluate(folder, ev.pipeline_extractor("replay"))
    assert report.overall().accuracy == 1.0
    assert calls == [("replay", n) for n in sorted(NAMES)]
    assert {(d.engine, d.model, tuple(d.warnings)) for d in report.documents} == {("replay", "replay/gold", ("demo_model",))}


class _GoldServicer(pb_grpc.DocumentServiceServicer):
    """Stands in for a running sidecar: answers Extract with the gold of the named document and
    checks the bearer token, so the harness's gRPC path is tested over a real channel."""

    def __init__(self):
        self.metadata = []

    def Extract(self, request, context):
        self.metadata.append(dict(context.invocation_metadata()))
        if request.filename == "i2d_oyo.pdf":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unsupported document")
        gold = load_gold(DOCUMENTS_DIR / request.filename)
        return pb.ExtractResponse(document_json=json.dumps(gold), engine="replay", model="replay",
                                  timings=pb.Timings(total_ms=42))


def test_eval_command_against_a_grpc_server(tmp_path: Path):
    servicer = _GoldServicer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    pb_grpc.add_DocumentServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        folder = _small_corpus(tmp_path, NAMES)
        out = tmp_path / "out"
        result = CliRunner().invoke(_app(), ["eval", str(folder), "--target", f"127.0.0.1:{port}", "--token", "s3cret",
                                             "--timeout", "10", "--out", str(out)])
    finally:
        server.stop(grace=None)
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    by_name = {d["name"]: d for d in report["documents"]}
    assert by_name["fx_EN16931_Einfach.pdf"]["accuracy"] == 1.0
    assert by_name["fx_EN16931_Einfach.pdf"]["server_ms"] == 42
    assert by_name["i2d_oyo.pdf"]["error"] == "RuntimeError: INVALID_ARGUMENT: unsupported document"
    assert all(md.get("authorization") == "Bearer s3cret" for md in servicer.metadata)
    assert report["source"] == f"grpc 127.0.0.1:{port}"


def test_unreachable_server_is_a_setup_error():
    with pytest.raises(ev.EvalSetupError, match="No sidecar answers at 127.0.0.1:9"):
        ev.grpc_extractor("127.0.0.1:9", timeout_s=1, connect_timeout_s=0.5)


def test_real_pipeline_with_the_replay_engine_scores_100_percent_on_the_corpus():
    # A perfect reader (the replay engine answers gold) through the real pipeline, input decoding,
    # schema validation and checks: every scored field matches, which shows the harness and the
    # pipeline add no error of their own.
    from conftest import DOCUMENTS_DIR

    report = ev.evaluate(DOCUMENTS_DIR, ev.pipeline_extractor("replay"))
    assert len(report.documents) >= 40 and not [d.error for d in report.documents if d.error]
    overall = report.overall()
    assert overall.scored > 1000 and overall.accuracy == 1.0 and overall.exact_accuracy == 1.0
    # per document, the share of the gold values its word layer holds (born-digital PDFs: their text layer)
    aws = next(d for d in report.documents if d.name == "i2d_AmazonWebServices.pdf")
    assert aws.in_words is not None and aws.in_words[0] >= 0.9 * aws.in_words[1] > 0
    assert "In the word layer:" in report.to_markdown()
    assert report.to_dict()["documents"][0]["in_word_layer"] is not None or report.documents[0].in_words is None


def test_eval_against_a_running_server():
    from ocr_sidecar.testing import SidecarThread

    from conftest import DOCUMENTS_DIR

    with SidecarThread(engine="replay") as target:
        extract, close = ev.grpc_extractor(target, timeout_s=30)
        try:
            report = ev.evaluate(DOCUMENTS_DIR, extract, glob="i2d_*")
        finally:
            close()
    assert report.overall().accuracy == 1.0 and all(d.server_ms is not None for d in report.documents)
