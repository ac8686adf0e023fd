"""The verification report an auditor files: what was checked, who signed, when, each result.

The same report renders as text (`to_text`) and JSON (`to_dict`); `seawall import` attaches
both to the registered version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Self

from artifacts.documents import Document

REPORT_FORMAT = "seawall.verification_report/v1"


@dataclass(kw_only=True)
class SignerFacts:
    """Who signed, as the signature claims it, and the trust-policy entry that matched."""

    kind: str = ""
    claimed: str = ""
    signed_at: str | None = None  # only Sigstore's transparency log attests a time
    trusted_as: str = ""


@dataclass(kw_only=True)
class VerifierFacts:
    """Where the verification ran, and with which libraries."""

    host: str
    platform: str
    onnxruntime: str
    model_signing: str


@dataclass
class Check:
    name: str
    title: str
    passed: bool | None = None  # None: not run (see details for why)
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def ok(self, *details: str) -> None:
        self.passed = True
        self.details.extend(details)

    def fail(self, *details: str) -> None:
        self.passed = False
        self.details.extend(details)

    def settle(self, problems: list[str], success: str) -> None:
        """Fail with each problem, or pass with `success` when there are none."""
        if problems:
            self.fail(*problems)
        else:
            self.ok(success)

    def skip(self, why: str) -> None:
        self.passed = None
        self.details.append(f"not run: {why}")

    @property
    def status(self) -> str:
        return {True: "PASS", False: "FAIL", None: "SKIP"}[self.passed]


@dataclass
class VerificationReport(Document):
    """Filled in check by check while a bundle is verified, then filed (`to_json`)."""

    FORMAT: ClassVar[str] = REPORT_FORMAT
    bundle: str
    region: str
    purpose: str
    trust_policy: str
    verified_at: str
    verifier: VerifierFacts
    model: dict = field(default_factory=dict)
    signer: SignerFacts = field(default_factory=SignerFacts)
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed is True for c in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def failures(self) -> list[str]:
        """One line per failed check and finding: "<check>: <file>: <what>"."""
        return [f"{c.name}: {d}" for c in self.checks if c.passed is False for d in c.details]

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["checks"] = [{**asdict(c), "status": c.status} for c in self.checks]
        return {"format": REPORT_FORMAT, "passed": self.passed, **doc}

    @classmethod
    def from_json(cls, doc: object, *, source: str = "verification report") -> Self:
        if isinstance(doc, dict) and not doc.get("signer"):
            doc = {**doc, "signer": {}}  # unsigned bundles were filed with an empty signer
        return super().from_json(doc, source=source)

    def to_text(self) -> str:
        passed = sum(c.passed is True for c in self.checks)
        model = self.model
        lines = [
            "Seawall verification report",
            f"  bundle       {self.bundle}",
            f"  model        {model.get('name', '?')} v{model.get('version', '?')}, contract "
            f"{model.get('contract_version', '?')}, made in {model.get('origin_region', '?')} "
            f"at {model.get('created_at', '?')}",
            f"  region       {self.region} (purpose: {self.purpose}); trust policy "
            f"{self.trust_policy}",
            f"  signed by    {self.signer.claimed or 'nobody (unsigned)'}"
            + (f", trusted as '{self.signer.trusted_as}'" if self.signer.trusted_as else ""),
            f"  signed at    "
            f"{self.signer.signed_at or 'not attested (only Sigstore adds a timestamp)'}",
            f"  verified     {self.verified_at} on {self.verifier.host} "
            f"({self.verifier.platform}), onnxruntime {self.verifier.onnxruntime}, "
            f"model-signing {self.verifier.model_signing}",
            f"  result       {'PASS' if self.passed else 'FAIL'} ({passed} of {len(self.checks)} "
            "checks passed)",
            "",
        ]
        for c in self.checks:
            lines.append(f"  [{c.status}] {c.name:<13} {c.title}")
            lines.extend(f"         {'':<13} {d}" for d in c.details)
        return "\n".join(lines) + "\n"
