"""Bilingual model cards from a real signed bundle: every format, each language and both side
by side; the PDF read back with poppler's pdftotext holds the Vietnamese headings and the
preprocessor hash; the verification outcome in the serving region is what verification says."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from artifacts.bundle import ModelCardFacts
from reporting import CardFormat, ReportError, Verification, parse_formats, render_card

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from test_cli import run  # noqa: E402

ALL = list(CardFormat)


def facts(bundle: Path) -> ModelCardFacts:
    return ModelCardFacts.from_json(json.loads((bundle / "model_card.json").read_text()))


@pytest.fixture(scope="module")
def cards(serving, tmp_path_factory):
    out = tmp_path_factory.mktemp("cards")
    verified = Verification(region="onshore-hn", passed=True, signer="key sha256:ab",
                            trusted_as="offshore-release", failed=[])
    paths = {lang: render_card(serving.champion, lang=lang, formats=ALL, out=out,
                               verification=verified) for lang in ("en", "vi", "both")}
    return paths, facts(serving.champion)


def test_every_format_in_each_language(cards):
    paths, _ = cards
    for lang, written in paths.items():
        assert [p.suffix for p in written] == [".html", ".pdf", ".md", ".json"], lang
        assert all(p.stat().st_size > 0 for p in written)


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed (Debian poppler-utils; .ci/run installs it)")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_the_vietnamese_pdf_holds_its_headings_and_the_preprocessor_hash(cards):
    paths, card = cards
    text = pdf_text(paths["vi"][1])
    for heading in ("Thẻ mô hình", "Mục đích và phạm vi sử dụng", "Hiệu quả mô hình",
                    "Chữ ký số và kiểm tra xác thực", "Mã lý do", "SHA-256 của bộ tiền xử lý"):
        assert heading in text, heading
    assert card.preprocessor_sha256 in re.sub(r"\s+", "", text)  # the hash wraps in its cell
    assert "Model card" not in text  # nothing English leaked into the Vietnamese card
    both = pdf_text(paths["both"][1])
    assert "Model card" in both and "Thẻ mô hình" in both


def test_numbers_in_the_vietnamese_card_are_written_the_vietnamese_way(cards):
    paths, card = cards
    html = paths["vi"][0].read_text()
    rows = f"{card.data['rows']:,}".replace(",", ".")
    assert f"<td>{rows}</td>" in html
    auc = f"{card.metrics['test']['auc']:.4f}".replace(".", ",")
    assert auc in html and 'lang="vi"' in html


def test_both_sets_the_languages_side_by_side(cards):
    paths, _ = cards
    html = paths["both"][0].read_text()
    assert html.count('<section class="card"') == 2
    assert html.index('lang="en"', html.index("<body")) < html.index('lang="vi"')
    assert re.search(r"<td>\s*<section[^>]*lang=\"en\"", html)  # one column per language


def test_the_json_card_is_the_signed_facts_and_the_verification(cards, serving):
    paths, card = cards
    doc = json.loads(paths["en"][3].read_text())
    assert doc["format"] == "seawall.model_card_report/v1"
    assert doc["facts"]["preprocessor_sha256"] == card.preprocessor_sha256
    assert doc["verification"]["passed"] is True
    assert set(doc["reason_codes"]) == set(card.data["features"])


def test_the_cli_verifies_in_the_serving_region_and_says_when_it_is_refused(serving, tmp_path):
    out = run("report", "card", str(serving.champion), "--lang", "en", "--format", "md",
              "--catalogue", str(serving.catalogue), "--out", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    card = next(tmp_path.glob("*.md")).read_text()
    assert "verified: every check passed" in card and "offshore-release" in card
    damaged = tmp_path / "damaged"
    shutil.copytree(serving.champion, damaged)
    (damaged / "golden_set.json").write_text((damaged / "golden_set.json").read_text() + " ")
    out = run("report", "card", str(damaged), "--lang", "vi", "--format", "md", "--catalogue",
              str(serving.catalogue), "--out", str(tmp_path / "refused"), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    refused = next((tmp_path / "refused").glob("*.md")).read_text()
    assert "bị từ chối" in refused and "golden_set.json" in refused


@pytest.mark.parametrize(("args", "message"), [
    (["--lang", "fr"], "language 'fr': no catalog"),
    (["--format", "docx"], "each format is one of html, pdf, md, json"),
])
def test_bad_options_are_one_line(serving, tmp_path, args, message):
    out = run("report", "card", str(serving.champion), "--region", "none", *args,
              "--out", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 1 and message in out.stderr and "Traceback" not in out.stderr


def test_a_directory_that_is_not_a_bundle_is_named(tmp_path):
    with pytest.raises(ReportError, match="no model_card.json; is this a Seawall bundle"):
        render_card(tmp_path, lang="en", formats=parse_formats("json"), out=tmp_path / "o",
                    verification=None)
