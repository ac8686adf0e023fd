"""Writing the transfer dossier: JSON (language-free), HTML and PDF per language, each file
written to a temp name and renamed into place."""

from __future__ import annotations

from pathlib import Path

from artifacts.bundle import to_json
from reporting.evidence import PackFormat
from reporting.evidence_render import render_dossier
from reporting.render import languages, pdf, write_atomically
from reporting.transfer import transfer_dossier


def write_dossier(*, home: Path, catalogue, sender: str, receiver: str, period: str, lang: str,
                  formats: tuple[PackFormat, ...], out: Path) -> list[Path]:
    langs = languages(lang)
    doc = transfer_dossier(home=home, catalogue=catalogue, sender=sender, receiver=receiver,
                           period=period)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"transfer-{sender}-{receiver}-{doc['period']['label']}"
    written = []
    if PackFormat.JSON in formats:
        written.append(write_atomically(out / f"{stem}.json", to_json(doc)))
    for code in langs:
        html = render_dossier(doc, code)
        if PackFormat.HTML in formats:
            written.append(write_atomically(out / f"{stem}-{code}.html", html.encode("utf-8")))
        if PackFormat.PDF in formats:
            written.append(write_atomically(out / f"{stem}-{code}.pdf", pdf(html)))
    return written
