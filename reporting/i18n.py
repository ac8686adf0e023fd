"""Report text the gettext way: catalogs in `locales/` compiled from `messages.po` by Babel,
and dates, numbers and percentages formatted for the locale (`1.234,5` in Vietnamese).

Every user-facing string of a report is marked for translation (`_()` in Python, `{% trans %}`
or `_()` in the Jinja2 templates, with the i18n extension) and extracted with `pybabel extract
-F babel.cfg`; `make` compiles the catalogs (`pybabel compile -d locales`). A test fails when a
Vietnamese message is missing, fuzzy or stale, and when a template holds text outside
`trans`. Reason-code texts are not here: they travel, signed, in the bundle.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

from reporting.errors import ReportError

LOCALES = Path(__file__).resolve().parents[1] / "locales"
LANGUAGES = ("en", "vi")
DOMAIN = "messages"


@functools.cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of `lang`; `ReportError` for a language without one."""
    if lang not in LANGUAGES:
        raise ReportError(f"language {lang!r}: no catalog (languages: {', '.join(LANGUAGES)})")
    compiled = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.is_file():
        raise ReportError(f"{compiled}: the {lang} catalog is not compiled; run `make` (or "
                          "pybabel compile -d locales)")
    return Translations.load(str(LOCALES), [lang], DOMAIN)


class Formatter:
    """Numbers, percentages and dates as `lang` writes them."""

    def __init__(self, lang: str) -> None:
        self.locale = Locale.parse(lang)

    def number(self, value: float, digits: int = 4) -> str:
        return format_decimal(value, format=f"#,##0.{'0' * digits}", locale=self.locale)

    def count(self, value: int) -> str:
        return format_decimal(value, format="#,##0", locale=self.locale)

    def percent(self, value: float, digits: int = 1) -> str:
        return format_percent(value, format=f"#,##0.{'0' * digits}%", locale=self.locale)

    def when(self, iso: str) -> str:
        return format_datetime(datetime.fromisoformat(iso), format="medium", locale=self.locale)
