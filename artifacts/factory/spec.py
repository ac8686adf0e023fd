"""Dataset specs: what every column of a training file is, and where it may be stored.

A spec is a YAML file::

    name: uci-credit-default
    columns:
      - {name: LIMIT_BAL, role: feature, type: numeric, data_class: anonymous, range: [0, 1e7]}
      - {name: SEX, role: feature, type: categorical, data_class: anonymous, categories: [1, 2]}
      - {name: default.payment.next.month, role: target, type: numeric, data_class: anonymous}
    card: {purpose: ..., owner: ..., risk_tier: high, limitations: [...]}

The target is numeric 0/1 (1 = default), or says which of its two values means default with
`positive:` (`{name: status, role: target, type: categorical, positive: bad}`; a numeric
target coded 1/2 takes `positive: 2`).

Every column of the data file must be declared: a column whose data class is unknown cannot be
shown to be allowed in a region, so it is refused.
"""

from __future__ import annotations

import enum
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from artifacts.bundle import ColumnType
from artifacts.errors import SpecError
from regions import DataClass

EMBEDDED_SPEC = Path(__file__).parent / "datasets" / "uci_credit.yaml"


class Role(str, enum.Enum):
    FEATURE = "feature"
    TARGET = "target"
    ID = "id"
    EXCLUDED = "excluded"


@dataclass(frozen=True, kw_only=True)
class ReasonText:
    en: str
    vi: str


@dataclass(frozen=True, kw_only=True)
class ColumnSpec:
    name: str
    role: Role
    type: ColumnType
    data_class: DataClass
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] | None = None
    aliases: tuple[str, ...] = ()
    description: str = ""
    reason: ReasonText | None = None
    positive: str | None = None  # target only: the value that means default (canonical form)


@dataclass(frozen=True, kw_only=True)
class CardFacts:
    """Model-card facts that come with the data: purpose, owner, risk tier, limitations."""

    purpose: str = "Estimate the probability of default of a credit applicant."
    intended_use: str = "Decision support for retail credit underwriting, with human review."
    owner: str = "Model owner not declared"
    risk_tier: str = "high"
    limitations: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DatasetSpec:
    name: str
    path: Path
    sha256: str
    columns: tuple[ColumnSpec, ...]
    description: str = ""
    source: str = ""
    card: CardFacts = field(default_factory=CardFacts)

    @property
    def features(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.role is Role.FEATURE)

    @property
    def target(self) -> ColumnSpec:
        return next(c for c in self.columns if c.role is Role.TARGET)

    def data_classes(self) -> dict[str, DataClass]:
        """Every declared column (whatever its role) with its data class."""
        return {c.name: c.data_class for c in self.columns}


_COLUMN_FIELDS = {"name", "role", "type", "data_class", "nullable", "range", "categories",
                  "aliases", "description", "reason", "positive"}
_TOP_FIELDS = {"name", "description", "source", "columns", "card"}
_CARD_FIELDS = {"purpose", "intended_use", "owner", "risk_tier", "limitations"}
RISK_TIERS = ("high", "medium", "low")


def load_spec(path: Path | str | None = None) -> DatasetSpec:
    """Read and check a dataset spec; `None` loads the embedded UCI credit-default spec."""
    path = Path(path) if path else EMBEDDED_SPEC
    where = str(path)
    if not path.is_file():
        raise SpecError(where, None, "spec file not found")
    data = path.read_bytes()
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as e:
        raise SpecError(where, None, f"not valid YAML ({e})") from e
    if not isinstance(raw, dict):
        raise SpecError(where, None, "a spec must be a YAML mapping with 'name' and 'columns'")
    _no_unknown(where, "", raw, _TOP_FIELDS)
    for key in ("name", "columns"):
        if key not in raw:
            raise SpecError(where, key, "required field is missing")
    if not isinstance(raw["columns"], list) or not raw["columns"]:
        raise SpecError(where, "columns", "must be a non-empty list of column entries")
    columns = tuple(_column(where, i, c) for i, c in enumerate(raw["columns"]))
    _check_columns(where, columns)
    return DatasetSpec(
        name=_text(where, "name", raw["name"]),
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        columns=columns,
        description=str(raw.get("description") or ""),
        source=str(raw.get("source") or ""),
        card=_card(where, raw.get("card") or {}),
    )


def canonical_category(value: Any) -> str:
    """The one string form of a category: integral numbers lose their '.0', text is stripped."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return str(value).strip()


def _column(where: str, index: int, raw: Any) -> ColumnSpec:
    at = f"columns[{index}]"
    if not isinstance(raw, dict):
        raise SpecError(where, at, "each column must be a mapping with name, role, type, data_class")
    if "name" not in raw:
        raise SpecError(where, f"{at}.name", "required field is missing")
    name = _text(where, f"{at}.name", raw["name"])
    at = f"columns[{index}] ({name})"
    _no_unknown(where, at, raw, _COLUMN_FIELDS)
    for key in ("role", "type", "data_class"):
        if key not in raw:
            raise SpecError(where, f"{at}.{key}", "required field is missing")
    ctype = _enum(where, f"{at}.type", ColumnType, raw["type"])
    minimum = maximum = None
    if raw.get("range") is not None:
        if ctype is not ColumnType.NUMERIC:
            raise SpecError(where, f"{at}.range", "only numeric columns take a range")
        minimum, maximum = _range(where, f"{at}.range", raw["range"])
    categories = None
    if raw.get("categories") is not None:
        if ctype is not ColumnType.CATEGORICAL:
            raise SpecError(where, f"{at}.categories", "only categorical columns take categories")
        cats = raw["categories"]
        if not isinstance(cats, list) or not cats:
            raise SpecError(where, f"{at}.categories", "must be a non-empty list")
        categories = tuple(canonical_category(c) for c in cats)
        if len(set(categories)) != len(categories):
            raise SpecError(where, f"{at}.categories", "lists a category twice")
    nullable = raw.get("nullable", False)
    if not isinstance(nullable, bool):
        raise SpecError(where, f"{at}.nullable", "must be true or false")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise SpecError(where, f"{at}.aliases", "must be a list of column names")
    role = _enum(where, f"{at}.role", Role, raw["role"])
    positive = _positive(where, at, raw, role, ctype, categories)
    return ColumnSpec(
        name=name,
        role=role,
        positive=positive,
        type=ctype,
        data_class=_enum(where, f"{at}.data_class", DataClass, raw["data_class"]),
        nullable=nullable,
        minimum=minimum,
        maximum=maximum,
        categories=categories,
        aliases=tuple(aliases),
        description=str(raw.get("description") or ""),
        reason=_reason(where, f"{at}.reason", raw.get("reason")),
    )


def _positive(where: str, at: str, raw: dict, role: Role, ctype: ColumnType,
              categories: tuple[str, ...] | None) -> str | None:
    """The target's `positive` value, checked: only a target takes one, a categorical target
    needs one, and it must be among the declared categories (of which there are two)."""
    value = raw.get("positive")
    if value is None:
        if role is Role.TARGET and ctype is ColumnType.CATEGORICAL:
            raise SpecError(where, f"{at}.positive", "a categorical target must say which value "
                            "means default, e.g. positive: bad")
        return None
    if role is not Role.TARGET:
        raise SpecError(where, f"{at}.positive", "only the target column takes positive")
    if isinstance(value, (list, dict)) or value == "":
        raise SpecError(where, f"{at}.positive", f"must be one value (got {value!r})")
    positive = canonical_category(value)
    if categories is not None:
        if len(categories) != 2:
            raise SpecError(where, f"{at}.categories", f"a target has exactly two values (got "
                            f"{len(categories)}: {', '.join(categories)})")
        if positive not in categories:
            raise SpecError(where, f"{at}.positive", f"{positive!r} is not one of the target's "
                            f"categories ({', '.join(categories)})")
    return positive


def _check_columns(where: str, columns: tuple[ColumnSpec, ...]) -> None:
    seen: set[str] = set()
    for c in columns:
        for n in (c.name, *c.aliases):
            if n in seen:
                raise SpecError(where, "columns", f"column name '{n}' is declared twice")
            seen.add(n)
    targets = [c.name for c in columns if c.role is Role.TARGET]
    if len(targets) != 1:
        raise SpecError(where, "columns", f"needs exactly one column with role: target "
                        f"(found {len(targets)}: {', '.join(targets) or 'none'})")
    if not any(c.role is Role.FEATURE for c in columns):
        raise SpecError(where, "columns", "needs at least one column with role: feature")


def _card(where: str, raw: Any) -> CardFacts:
    if not isinstance(raw, dict):
        raise SpecError(where, "card", "must be a mapping")
    _no_unknown(where, "card", raw, _CARD_FIELDS)
    tier = raw.get("risk_tier", "high")
    if tier not in RISK_TIERS:
        raise SpecError(where, "card.risk_tier", f"must be one of {', '.join(RISK_TIERS)}")
    limitations = raw.get("limitations") or []
    if not isinstance(limitations, list):
        raise SpecError(where, "card.limitations", "must be a list of sentences")
    defaults = CardFacts()
    return CardFacts(
        purpose=str(raw.get("purpose") or defaults.purpose),
        intended_use=str(raw.get("intended_use") or defaults.intended_use),
        owner=str(raw.get("owner") or defaults.owner),
        risk_tier=tier,
        limitations=tuple(str(x) for x in limitations),
    )


def _reason(where: str, at: str, raw: Any) -> ReasonText | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"en", "vi"}:
        raise SpecError(where, at, "must be a mapping with exactly 'en' and 'vi' texts")
    return ReasonText(en=_text(where, f"{at}.en", raw["en"]), vi=_text(where, f"{at}.vi", raw["vi"]))


def _range(where: str, at: str, raw: Any) -> tuple[float, float]:
    if (not isinstance(raw, list) or len(raw) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw)):
        raise SpecError(where, at, "must be [minimum, maximum] numbers")
    low, high = float(raw[0]), float(raw[1])
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise SpecError(where, at, f"minimum must be below maximum and both finite (got {raw})")
    return low, high


def _no_unknown(where: str, at: str, raw: dict, allowed: set[str]) -> None:
    unknown = sorted(set(map(str, raw)) - allowed)
    if unknown:
        prefix = f"{at}." if at else ""
        raise SpecError(where, f"{prefix}{unknown[0]}",
                        f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _text(where: str, at: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(where, at, f"must be a non-empty string (got {value!r})")
    return value.strip()


def _enum(where: str, at: str, kind: type, value: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise SpecError(where, at, f"{value!r} is not one of: {allowed}") from None
