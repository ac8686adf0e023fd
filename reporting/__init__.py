"""Reports for compliance officers and auditors: bilingual (English/Vietnamese) model cards
rendered from the signed bundle, as HTML, PDF, Markdown or JSON.

Public API (stable)::

    from reporting import CardFormat, Verification, render_card

    render_card(bundle, lang="both", formats=[CardFormat.HTML, CardFormat.PDF],
                out=Path("reports"), verification=None)

Imports `artifacts` (bundle, signing) and `regions`.
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
}
__getattr__, __dir__ = _exports.lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
