"""Rendering model cards: Jinja2 templates with the i18n extension, one catalog per language,
HTML and Markdown from the templates, PDF from the HTML with WeasyPrint (a font with
Vietnamese diacritics, DejaVu Sans, is installed by the project's setup), JSON from the facts.

`both` renders each language's section with its own catalog and sets them side by side (one
after the other in Markdown). Files are written to a temp name, then renamed into place.
"""

from __future__ import annotations

import enum
import os
import secrets
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from artifacts.bundle import to_json
from reporting.card import CardFormat, Verification, card_context, read_bundle
from reporting.errors import ReportError
from reporting.i18n import LANGUAGES, translations

REPORT_FORMAT = "seawall.model_card_report/v1"


def environment(lang: str) -> Environment:
    env = Environment(loader=PackageLoader("reporting", "templates"),
                      autoescape=select_autoescape(["html.j2"]), undefined=StrictUndefined,
                      extensions=["jinja2.ext.i18n"], trim_blocks=False)
    env.install_gettext_translations(translations(lang), newstyle=True)
    return env


def languages(choice: str) -> list[str]:
    if choice == "both":
        return list(LANGUAGES)
    if choice not in LANGUAGES:
        raise ReportError(f"language {choice!r}: no catalog (languages: "
                          f"{', '.join(LANGUAGES)}, or both)")
    return [choice]


def render_card(bundle: Path, *, lang: str, formats: list[CardFormat], out: Path,
                verification: Verification | None) -> list[Path]:
    """Write the card in each format to `out`; the paths written."""
    docs = read_bundle(bundle)
    langs = languages(lang)
    contexts = {code: card_context(docs, verification, code) for code in langs}
    model = docs["manifest.json"]["model"]
    stem = f"model-card-{model['name']}-v{model['version']}-{lang}"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    html = None
    for fmt in formats:
        if fmt in (CardFormat.HTML, CardFormat.PDF) and html is None:
            html = page(contexts)
        if fmt is CardFormat.HTML:
            data = html.encode("utf-8")
        elif fmt is CardFormat.PDF:
            data = pdf(html)
        elif fmt is CardFormat.MD:
            data = "\n".join(environment(code).get_template("card.md.j2").render(**ctx)
                             for code, ctx in contexts.items()).encode("utf-8")
        else:
            data = to_json(card_json(docs, verification))
        written.append(write_atomically(out / f"{stem}.{fmt.value}", data))
    return written


def page(contexts: dict[str, dict]) -> str:
    sections = [environment(code).get_template("card_section.html.j2").render(**ctx)
                for code, ctx in contexts.items()]
    titles = [translations(code).gettext("Model card") for code in contexts]
    return environment(next(iter(contexts))).get_template("card_page.html.j2").render(
        sections=sections, titles=titles, langs=list(contexts))


def pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def card_json(docs: dict, verification: Verification | None) -> dict:
    """The card's facts as data: the bundle's card facts, its manifest's identity and lineage,
    the reason codes and the verification outcome (language-free)."""
    manifest = docs["manifest.json"]
    return {"format": REPORT_FORMAT, "model": manifest["model"],
            "facts": docs["facts"].to_json(), "lineage": manifest.get("lineage", {}),
            "reason_codes": docs["reason_codes.json"]["codes"],
            "verification": None if verification is None else {
                "region": verification.region, "passed": verification.passed,
                "signer": verification.signer, "trusted_as": verification.trusted_as,
                "failed": verification.failed}}


def write_atomically(target: Path, data: bytes) -> Path:
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def parse_formats(text: str, kind: type[enum.Enum] = CardFormat) -> list:
    """`html,pdf` as a list of `kind` (a card's formats, or a pack's)."""
    try:
        return [kind(part.strip()) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ReportError(f"--format {text!r}: each format is one of "
                          f"{', '.join(f.value for f in kind)}") from None


