"""The regulation calendar and the crosswalk, as data (`reporting/data/*.yaml`), checked when
read: which regimes are in force in a reporting period, which change within or soon after it,
and which regime's items each evidence artifact satisfies, with a citation and a confidence.

Confidence: C confirmed in a source text, S secondary sources only, G inference; anything below
C is printed with "verify against the official text". REGULATORY.md is the source of both files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from reporting.errors import ReportError

DATA = Path(__file__).parent / "data"
CONFIDENCE = ("C", "S", "G")
VERIFY = "verify against the official text"
TRANSITION_HORIZON = timedelta(days=183)  # a change this soon after a period is reported too


@dataclass(frozen=True)
class Regime:
    id: str
    name: str
    jurisdiction: str
    start: date
    end: date | None
    confidence: str
    replaced_by: str | None = None
    note: str = ""

    def in_force(self, first: date, last: date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)


@dataclass(frozen=True)
class Transition:
    regime: Regime  # what starts or ends
    on: date
    kind: str  # "starts" | "ends"


@dataclass(frozen=True)
class Cell:
    cite: str | None
    confidence: str
    note: str = ""

    @property
    def caveat(self) -> str:
        return "" if self.confidence == "C" else VERIFY


@dataclass(frozen=True)
class Artifact:
    id: str
    name: dict[str, str]
    cells: dict[str, Cell]


def period(text: str) -> tuple[date, date]:
    """`2026Q4`, `2026-07` or `2026` as (first day, last day)."""
    if m := re.fullmatch(r"(\d{4})Q([1-4])", text):
        year, quarter = int(m[1]), int(m[2])
        first = date(year, 3 * quarter - 2, 1)
        last = (date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1))
        return first, last
    if m := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", text):
        year, month = int(m[1]), int(m[2])
        return date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1) - \
            timedelta(days=1)
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 1, 1), date(int(text), 12, 31)
    raise ReportError(f"period {text!r}: write a quarter (2026Q4), a month (2026-07) or a year")


def calendar(path: Path = DATA / "calendar.yaml", *, irb: bool = False) -> list[Regime]:
    """Every regime of the calendar, phases as regimes of their own (an IRB bank's model-risk
    articles start on their `irb_from` date)."""
    doc = _load(path)
    regimes = []
    for i, entry in enumerate(doc.get("regimes") or []):
        where = f"{path.name}: regimes[{i}]"
        regimes.append(_regime(entry, where))
        for j, phase in enumerate(entry.get("phases") or []):
            phase = {**phase, "jurisdiction": entry["jurisdiction"]}
            if irb and "irb_from" in phase:
                phase["from"] = phase["irb_from"]
            regimes.append(_regime(phase, f"{where}.phases[{j}]"))
    ids = [r.id for r in regimes]
    unknown = [r.replaced_by for r in regimes if r.replaced_by and r.replaced_by not in ids]
    if len(set(ids)) != len(ids) or unknown:
        raise ReportError(f"{path.name}: regime ids must be unique and replaced_by must name "
                          f"one (unknown: {unknown})")
    return regimes


def in_force(regimes: list[Regime], first: date, last: date) -> list[Regime]:
    return [r for r in regimes if r.in_force(first, last)]


def transitions(regimes: list[Regime], first: date, last: date) -> list[Transition]:
    """Regimes that start or end within the period or within `TRANSITION_HORIZON` after it."""
    horizon = last + TRANSITION_HORIZON
    found = [Transition(r, r.start, "starts") for r in regimes if first < r.start <= horizon]
    found += [Transition(r, r.end, "ends") for r in regimes
              if r.end is not None and first <= r.end < horizon]
    return sorted(found, key=lambda t: (t.on, t.kind, t.regime.id))


def crosswalk(path: Path = DATA / "crosswalk.yaml") -> tuple[dict[str, str], list[Artifact]]:
    """(regime id -> name, artifacts); `ReportError` naming the row, column and rule broken."""
    doc = _load(path)
    regimes = doc.get("regimes")
    if not isinstance(regimes, dict) or not regimes:
        raise ReportError(f"{path.name}: regimes must map ids to names")
    artifacts, seen = [], set()
    for i, row in enumerate(doc.get("artifacts") or []):
        where = f"{path.name}: artifacts[{i}]"
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or row["id"] in seen:
            raise ReportError(f"{where}: each artifact has a unique id")
        seen.add(row["id"])
        name = row.get("name")
        if not isinstance(name, dict) or set(name) != {"en", "vi"}:
            raise ReportError(f"{where} ({row['id']}): name needs exactly en and vi")
        cells = row.get("cells") or {}
        if set(cells) != set(regimes):
            raise ReportError(f"{where} ({row['id']}): a cell for every regime, no other "
                              f"(missing {sorted(set(regimes) - set(cells))}, extra "
                              f"{sorted(set(cells) - set(regimes))})")
        checked = {}
        for regime, cell in cells.items():
            if not isinstance(cell, dict) or cell.get("confidence") not in CONFIDENCE or \
                    not (cell.get("cite") is None or isinstance(cell.get("cite"), str)):
                raise ReportError(f"{where} ({row['id']}).{regime}: a cell is {{cite: text or "
                                  f"null, confidence: {'|'.join(CONFIDENCE)}}}")
            checked[regime] = Cell(cell["cite"], cell["confidence"], str(cell.get("note", "")))
        artifacts.append(Artifact(row["id"], name, checked))
    if not artifacts:
        raise ReportError(f"{path.name}: no artifacts")
    return regimes, artifacts


def _load(path: Path) -> dict:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ReportError(f"{path}: not readable YAML ({e})") from None
    if not isinstance(doc, dict) or doc.get("version") != 1:
        raise ReportError(f"{path.name}: a version 1 document is a mapping with version: 1")
    return doc


def _regime(entry: dict, where: str) -> Regime:
    try:
        start, end = entry["from"], entry.get("until")
        if not isinstance(start, date) or not (end is None or isinstance(end, date)):
            raise TypeError("from and until are dates (YYYY-MM-DD)")
        if entry.get("confidence") not in CONFIDENCE:
            raise TypeError(f"confidence is one of {', '.join(CONFIDENCE)}")
        if end is not None and end < start:
            raise TypeError("until is before from")
        return Regime(id=str(entry["id"]), name=str(entry["name"]),
                      jurisdiction=str(entry["jurisdiction"]), start=start, end=end,
                      confidence=entry["confidence"], replaced_by=entry.get("replaced_by"),
                      note=str(entry.get("note", "")))
    except (KeyError, TypeError) as e:
        raise ReportError(f"{where}: {e}") from None
