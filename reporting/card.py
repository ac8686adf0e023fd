"""Bilingual model cards: what a bundle is, how it performs and whether it verifies where it
is served, in English, Vietnamese or both side by side, as HTML, PDF, Markdown or JSON.

The card is rendered from the signed bundle only (its card facts, manifest, contract and
reason codes) plus the verification of that bundle under the serving region's trust policy,
so what it says is what was signed. Intervals: the AUC's 95 % interval is Hanley and McNeil's
(1982) from the AUC and the class counts of the split; the default rate's is Wilson's.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass
from pathlib import Path

from artifacts.bundle import ModelCardFacts
from reporting.errors import ReportError
from reporting.i18n import LANGUAGES, Formatter
from reporting.plots import calibration_svg, histogram_svg

Z95 = 1.959963984540054


class CardFormat(str, enum.Enum):
    HTML = "html"
    PDF = "pdf"
    MD = "md"
    JSON = "json"


@dataclass(frozen=True)
class Verification:
    region: str
    passed: bool
    signer: str
    trusted_as: str
    failed: list[str]


def read_bundle(bundle: Path) -> dict:
    """The documents a card is made from; `ReportError` naming what is missing or unreadable."""
    docs = {}
    for name in ("model_card.json", "manifest.json", "reason_codes.json", "contract.json",
                 "golden_set.json"):
        try:
            docs[name] = json.loads((bundle / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ReportError(f"{bundle}: no {name}; is this a Seawall bundle?") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ReportError(f"{bundle / name}: not readable JSON ({e})") from None
    docs["facts"] = ModelCardFacts.from_json(docs["model_card.json"],
                                             source=str(bundle / "model_card.json"))
    return docs


def card_context(docs: dict, verification: Verification | None, lang: str) -> dict:
    """Everything a template shows, formatted for `lang` (numbers, percentages, dates)."""
    if lang not in LANGUAGES:
        raise ReportError(f"language {lang!r}: no catalog (languages: {', '.join(LANGUAGES)})")
    f = Formatter(lang)
    facts: ModelCardFacts = docs["facts"]
    manifest, reasons = docs["manifest.json"], docs["reason_codes.json"]
    test = facts.metrics["test"]
    metrics = []
    for split in ("valid", "test"):
        m = facts.metrics[split]
        low, high = auc_interval(m["auc"], m["rows"], m["default_rate"])
        rate_low, rate_high = wilson(m["default_rate"], m["rows"])
        metrics.append({"split": split, "rows": f.count(m["rows"]),
                        "auc": f.number(m["auc"]), "auc_low": f.number(low),
                        "auc_high": f.number(high), "ks": f.number(m["ks"]),
                        "gini": f.number(m["gini"]), "brier": f.number(m["brier"]),
                        "default_rate": f.percent(m["default_rate"]),
                        "rate_low": f.percent(rate_low), "rate_high": f.percent(rate_high)})
    calibration = [{"decile": c["decile"], "rows": f.count(c["rows"]),
                    "predicted": f.percent(c["mean_predicted"], 2),
                    "observed": f.percent(c["observed_rate"], 2)} for c in test["calibration"]]
    data = facts.data
    return {
        "lang": lang, "confidence": f.percent(0.95, 0), "model": facts.model,
        "version": manifest["model"]["version"],
        "purpose": facts.purpose, "intended_use": facts.intended_use, "owner": facts.owner,
        "risk_tier": facts.risk_tier, "limitations": facts.limitations,
        "data": {**data, "rows": f.count(data["rows"]),
                 "default_rate": f.percent(data["default_rate"]),
                 "classes": sorted(data["data_classes"].items())},
        "trained_in": facts.trained_in, "created_at": f.when(facts.created_at),
        "metrics": metrics, "calibration": calibration,
        "calibration_svg": calibration_svg(test["calibration"], f),
        "scores_svg": histogram_svg(docs["golden_set.json"]["expected"]["probability"], f),
        "score_rows": f.count(len(docs["golden_set.json"]["expected"]["probability"])),
        "parity": {"max_abs_diff": f"{facts.parity['max_abs_diff']:.1e}",
                   "tolerance": f"{facts.parity['tolerance']:g}",
                   "rows": f.count(facts.parity["rows"]),
                   "precision": facts.parity.get("precision", "float64")},
        "model_sha256": facts.model_sha256, "preprocessor_sha256": facts.preprocessor_sha256,
        "manifest": manifest, "lineage": manifest.get("lineage", {}),
        "verification": verification,
        "reasons": [{"field": field, **code} for field, code in reasons["codes"].items()],
    }


def auc_interval(auc: float, rows: int, default_rate: float) -> tuple[float, float]:
    """Hanley-McNeil 95 % interval of an AUC from the split's class counts."""
    bad = max(1, round(rows * default_rate))
    good = max(1, rows - bad)
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (bad - 1) * (q1 - auc * auc)
                + (good - 1) * (q2 - auc * auc)) / (bad * good)
    half = Z95 * math.sqrt(max(variance, 0.0))
    return max(0.0, auc - half), min(1.0, auc + half)


def wilson(rate: float, rows: int) -> tuple[float, float]:
    """Wilson's 95 % interval of a proportion."""
    if rows <= 0:
        return 0.0, 1.0
    z2 = Z95 * Z95
    centre = (rate + z2 / (2 * rows)) / (1 + z2 / rows)
    half = Z95 * math.sqrt(rate * (1 - rate) / rows + z2 / (4 * rows * rows)) / (1 + z2 / rows)
    return max(0.0, centre - half), min(1.0, centre + half)
