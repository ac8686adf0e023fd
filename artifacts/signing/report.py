"""The verification report an auditor files: what was checked, who signed, when, each result.

The same report renders as text (`to_text`) and JSON (`to_dict`); `seawall import` attaches
both to the registered version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

REPORT_FORMAT = "seawall.verification_report/v1"


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
class VerificationReport:
    bundle: str
    region: str
    purpose: str
    trust_policy: str
    verified_at: str
    verifier: dict
    model: dict = field(default_factory=dict)
    signer: dict = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed is True for c in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def failures(self) -> list[str]:
        """One line per failed check and finding: "<check>: <file>: <what>"."""
        return [f"{c.name}: {d}" for c in self.checks if c.passed is False for d in c.details]

    def to_dict(self) -> dict:
        doc = asdict(self)
        doc["checks"] = [{**asdict(c), "status": c.status} for c in self.checks]
        return {"format": REPORT_FORMAT, "passed": self.passed, **doc}

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
            f"  signed by    {self.signer.get('claimed', 'nobody (unsigned)')}"
            + (f", trusted as '{self.signer['trusted_as']}'" if self.signer.get("trusted_as")
               else ""),
            f"  signed at    {self.signer.get('signed_at') or 'not attested (only Sigstore adds a timestamp)'}",
            f"  verified     {self.verified_at} on {self.verifier.get('host')} "
            f"({self.verifier.get('platform')}), onnxruntime {self.verifier.get('onnxruntime')}, "
            f"model-signing {self.verifier.get('model_signing')}",
            f"  result       {'PASS' if self.passed else 'FAIL'} ({passed} of {len(self.checks)} "
            "checks passed)",
            "",
        ]
        for c in self.checks:
            lines.append(f"  [{c.status}] {c.name:<13} {c.title}")
            lines.extend(f"         {'':<13} {d}" for d in c.details)
        return "\n".join(lines) + "\n"
