"""Report text the gettext way: every message extracted from the code and templates is in the
Vietnamese catalog, translated, not fuzzy, not stale; no template holds text that escapes
extraction; numbers and percentages are written the Vietnamese way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from reporting import Formatter, ReportError, translations

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "reporting" / "templates"
# Words a template may hold outside `trans`: metric names, the two languages' own names.
NOT_TRANSLATED = {"AUC", "KS", "Gini", "Brier", "English", "Tiếng", "Việt", "v"}


def extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    return {message if isinstance(message, str) else message[0]
            for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, options_map)
            if "/.venv/" not in _ and message}


def catalog(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_every_extracted_message_is_translated_in_vietnamese_and_none_is_stale():
    messages = extracted()
    vi = catalog("vi")
    ids = {m.id for m in vi if m.id}
    assert messages, "nothing was extracted: is babel.cfg right?"
    assert messages - ids == set(), "untranslated (extract and update the catalogs)"
    assert ids - messages == set(), "stale: in the catalog, no longer in the code"
    untranslated = [m.id for m in vi if m.id and not m.string]
    fuzzy = [m.id for m in vi if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    assert not vi.obsolete


def test_the_compiled_catalog_is_the_one_in_the_po_file():
    vi = catalog("vi")
    compiled = translations("vi")
    for message in vi:
        if message.id:
            assert compiled.gettext(message.id) == message.string


@pytest.mark.parametrize("template", sorted(TEMPLATES.glob("*.j2")), ids=lambda p: p.name)
def test_no_template_text_escapes_extraction(template):
    text = template.read_text()
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>|&\w+;", " ", text)
    words = set(re.findall(r"[^\W\d_]+", text))
    escaped = words - NOT_TRANSLATED
    assert not escaped, f"{template.name}: text outside trans: {escaped}"


def test_numbers_and_percentages_are_written_as_the_locale_writes_them():
    vi, en = Formatter("vi"), Formatter("en")
    assert vi.number(1234.5, 1) == "1.234,5" and en.number(1234.5, 1) == "1,234.5"
    assert vi.percent(0.2224) == "22,2%" and en.percent(0.2224) == "22.2%"
    assert vi.count(30000) == "30.000"
    assert "2026" in vi.when("2026-12-02T14:45:02+00:00")


def test_a_language_without_a_catalog_is_one_clear_error():
    with pytest.raises(ReportError, match="language 'fr': no catalog"):
        translations("fr")
