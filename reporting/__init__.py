"""Reports for compliance officers and auditors: bilingual (English/Vietnamese) model cards
rendered from the signed bundle (HTML, PDF, Markdown, JSON); the signed evidence pack for a
model, region and period, and its verification; the PDPL transfer-impact dossier.

Public API (stable)::

    from reporting import CardFormat, Verification, render_card

    render_card(bundle, lang="both", formats=[CardFormat.HTML, CardFormat.PDF],
                out=Path("reports"), verification=None)
    pack = build_pack(PackRequest(model="m", region="onshore-hn", period="2026Q4",
                                  home=Path(".seawall"), out=Path("reports")))
    assert verify_pack(pack, Path(".seawall/keys/signing-key.pub")).passed

Imports `artifacts` (bundle, signing; registry and ledger read-only) and `regions`.
"""

from regions import _exports

_EXPORTS = {
    "CardFormat": "reporting.card",
    "Verification": "reporting.card",
    "ReportError": "reporting.errors",
    "Formatter": "reporting.i18n",
    "translations": "reporting.i18n",
    "parse_formats": "reporting.render",
    "render_card": "reporting.render",
    "PackFormat": "reporting.evidence",
    "PackRequest": "reporting.evidence_pack",
    "build_pack": "reporting.evidence_pack",
    "verify_pack": "reporting.pack_verify",
    "PackVerification": "reporting.pack_verify",
    "render_drill": "reporting.drill_page",
    "write_atomically": "reporting.render",
    "transfer_dossier": "reporting.transfer",
    "write_dossier": "reporting.transfer_write",
}
__getattr__, __dir__ = _exports.lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
