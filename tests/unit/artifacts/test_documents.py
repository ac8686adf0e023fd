"""Typed documents: each round-trips through its JSON, files written by earlier versions
(tests/fixtures/v1, made at commit 9649e2e) still load, and a bad document is refused with the
field and the rule named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts.bundle import GoldenSet, Manifest, ModelCardFacts
from artifacts.documents import DocumentError
from artifacts.ledger import ChainReport
from artifacts.signing import VerificationReport

V1 = Path(__file__).parents[2] / "fixtures" / "v1"
DOCUMENTS = [(Manifest, "manifest.json"), (ModelCardFacts, "model_card.json"),
             (GoldenSet, "golden_set.json"), (VerificationReport, "verification_report.json")]


@pytest.mark.parametrize("kind, name", DOCUMENTS)
def test_a_file_written_by_an_earlier_version_loads_and_round_trips(kind, name):
    raw = json.loads((V1 / name).read_text())
    doc = kind.from_json(raw, source=name)
    again = kind.from_json(doc.to_json())
    assert again == doc
    assert doc.to_json()["format"] == raw["format"] == kind.FORMAT


def test_typed_fields_carry_what_the_file_says():
    manifest = Manifest.from_json(json.loads((V1 / "manifest.json").read_text()))
    assert manifest.model.name == "uci-credit-default" and manifest.model.version == "1"
    assert manifest.files["model.onnx"].bytes > 0 and len(manifest.files["model.onnx"].sha256) == 64
    report = VerificationReport.from_json(json.loads((V1 / "verification_report.json").read_text()))
    assert report.passed and report.signer.trusted_as == "offshore-release"
    assert report.verifier.onnxruntime and [c.name for c in report.checks][:3] == [
        "signer", "signature", "digests"]
    golden = GoldenSet.from_json(json.loads((V1 / "golden_set.json").read_text()))
    assert len(golden.rows) == len(golden.expected.probability) == 3


def test_a_chain_report_round_trips_with_its_verdict():
    report = ChainReport("sqlite:///d.db", 7, "ab" * 32, broken_at=8, reason="altered")
    doc = report.to_json()
    assert doc["format"] == "seawall.chain_report/v1" and doc["intact"] is False
    assert ChainReport.from_json(doc) == report


@pytest.mark.parametrize("change, words", [
    (lambda d: d.update(model="uci-credit-default"), "field 'model' must be an object"),
    (lambda d: d.pop("files"), "field 'files' is missing"),
    (lambda d: d["files"]["model.onnx"].update(bytes="12"), "field 'files.model.onnx.bytes' must be int"),
    (lambda d: d.update(format="seawall.bundle/v0"), "field 'format' must be 'seawall.bundle/v1'"),
])
def test_a_bad_manifest_names_the_field_and_the_rule(change, words):
    doc = json.loads((V1 / "manifest.json").read_text())
    change(doc)
    with pytest.raises(DocumentError) as e:
        Manifest.from_json(doc, source="bundle/manifest.json")
    assert str(e.value).startswith("bundle/manifest.json: ") and words in str(e.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4), max_leaves=15)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), kind_name=st.sampled_from(DOCUMENTS))
def test_any_json_loads_or_is_refused_with_a_document_error(data, kind_name):
    """Mutate a real file's fields with arbitrary JSON: never a TypeError or KeyError."""
    kind, name = kind_name
    doc = json.loads((V1 / name).read_text())
    for _ in range(data.draw(st.integers(1, 3))):
        key = data.draw(st.sampled_from(sorted(doc)))
        doc[key] = data.draw(json_values)
    try:
        kind.from_json(doc, source=name)
    except DocumentError as e:
        assert str(e).startswith(f"{name}: ")
