"""The PDPL transfer-impact dossier (hồ sơ đánh giá tác động chuyển dữ liệu cá nhân ra nước ngoài),
generated from what actually crossed: for every bundle an onshore region imported that was
trained in the offshore region, the training extract as recorded (and signed) at training (file,
SHA-256, rows, data classes, spec digest, the residency rule it passed) and the bundle that came
back (manifest digest, signer, when it was verified and imported).

Structured as the 2025 PDPL and Decree 356/2025 Arts 17-18 ask (REGULATORY.md): sender and
receiver, contact person, purposes, data types, protection measures, impact and harm assessment,
consent, obligations; filed with the Ministry of Public Security (A05) within 60 days of the
first transfer. Seawall states facts only: it never says a transfer was lawful, and the
assessment fields are left for the officer, marked as such.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from artifacts.errors import ArtifactError
from reporting.errors import ReportError
from reporting.evidence_sources import Evidence, Period, as_json, reporting_period

DOSSIER_FORMAT = "seawall.transfer_dossier/v1"
FILING_DAYS = 60
OFFICER = "to be completed by the officer"  # the fields Seawall never fills
DOSSIER_NOTE = ("the dossier itself is written by seawall report transfer; its assessment fields "
                "are the officer's")
OFFICER_FIELDS = ("contact_person", "legal_basis_and_consent", "impact_and_harm_assessment",
                  "mitigations", "sender_receiver_obligations", "transfer_contract")


def crossings(home: Path, catalogue, sender: str, receiver: str) -> list[dict]:
    """Every bundle `sender` imported that was trained in `receiver`, oldest training first."""
    from artifacts.registry import MANIFEST_TAG, bundle_with_digest, region_registry

    try:
        registry, store = region_registry(home, sender)
    except ArtifactError as e:
        raise ReportError(str(e)) from None
    found = []
    for model in registry.model_names():
        for version, tags in registry.versions(model):
            try:
                bundle = bundle_with_digest(store, tags.get(MANIFEST_TAG), f"{model} {version}")
            except ArtifactError:
                continue
            record = crossing(bundle, catalogue, receiver)
            if record is not None:
                found.append({**record, "registry_version": version,
                              "came_back": {"manifest_sha256": tags.get(MANIFEST_TAG),
                                            "signer": tags.get("seawall.signer"),
                                            "trusted_as": tags.get("seawall.trusted_as"),
                                            "verified_at": tags.get("seawall.verified_at")}})
    return sorted(found, key=lambda r: r["trained_at"])


def crossing(bundle: Path, catalogue, receiver: str | None) -> dict | None:
    """What the bundle's signed card says crossed to its training region (None if it was
    trained elsewhere than `receiver`, or onshore when `receiver` is None)."""
    card = json.loads((bundle / "model_card.json").read_bytes())
    manifest = json.loads((bundle / "manifest.json").read_bytes())
    trained = card.get("trained_in", {})
    if (receiver is not None and trained.get("region") != receiver) or \
            trained.get("residency") != "offshore":
        return None
    data = card.get("data", {})
    region = catalogue.get(trained["region"])
    allowed = sorted(c.value for c in region.data_classes)
    classes = data.get("data_classes", {})
    return {"model": card["model"]["name"], "signed_version": str(manifest["model"]["version"]),
            "trained_at": card.get("created_at"), "trained_in": trained,
            "purpose": card.get("purpose"), "extract": {
                "file": data.get("file"), "sha256": data.get("snapshot_sha256"),
                "rows": data.get("rows"), "data_classes": classes,
                "columns_excluded": data.get("excluded", []),
                "spec_sha256": manifest.get("lineage", {}).get("spec_sha256")},
            "residency": {"receiver_allows": allowed,
                          "within_allowed": all(c in allowed for c in classes)}}


def transfer_dossier(*, home: Path, catalogue, sender: str, receiver: str, period: str,
                     generated_at: datetime | None = None) -> dict:
    """The dossier for `sender` -> `receiver` in `period`; `ReportError` if nothing crossed."""
    origin, target = catalogue.get(sender), catalogue.get(receiver)
    if not origin.onshore or target.onshore:
        raise ReportError(f"a transfer dossier is for data leaving an onshore region: --from "
                          f"must be onshore and --to offshore ({sender} is "
                          f"{origin.residency.value}, {receiver} is {target.residency.value})")
    bounds = reporting_period(period, origin.jurisdiction)
    every = crossings(home, catalogue, sender, receiver)
    zone = ZoneInfo(bounds.timezone)
    within = [c for c in every if bounds.first <= _local_day(c["trained_at"], zone) <= bounds.last]
    if not within:
        seen = (f"training runs on record: {_local_day(every[0]['trained_at'], zone)} to "
                f"{_local_day(every[-1]['trained_at'], zone)}" if every else
                f"{sender} imported no bundle trained in {receiver}")
        raise ReportError(f"period {period}: no transfer from {sender} to {receiver} on record "
                          f"from {bounds.first} to {bounds.last} ({seen})")
    first = date.fromisoformat(_local_day(every[0]["trained_at"], zone))
    return _dossier(origin, target, bounds, within, first, generated_at)


def _dossier(origin, target, bounds: Period, within: list[dict], first: date,
             generated_at: datetime | None) -> dict:
    classes: dict[str, int] = {}
    for c in within:
        for name, count in c["extract"]["data_classes"].items():
            classes[name] = max(classes.get(name, 0), count)
    return {
        "format": DOSSIER_FORMAT,
        "generated_at": (generated_at or datetime.now(ZoneInfo("UTC"))).isoformat(
            timespec="seconds"),
        "period": bounds.__dict__,
        "sender": _party(origin), "receiver": _party(target),
        "purposes": sorted({c["purpose"] for c in within if c["purpose"]}),
        "data_types": {"data_classes": classes, "transfers": len(within),
                       "rows": sum(c["extract"]["rows"] or 0 for c in within)},
        "protection_measures": {
            "receiver_allows": sorted(c.value for c in target.data_classes),
            "every_extract_within_rule": all(c["residency"]["within_allowed"] for c in within),
            "signed_return": "each bundle that came back was signed offshore and verified "
                             "onshore before import"},
        "transfers": within,
        "filing": {"authority": "Ministry of Public Security (A05)", "form": "Form 09",
                   "first_transfer": first.isoformat(),
                   "deadline": (first + timedelta(days=FILING_DAYS)).isoformat(),
                   "days": FILING_DAYS, "basis": "PDPL 2025 + Decree 356/2025 Arts 17-18 (C)",
                   "first_transfer_is": "the earliest training run on record; the extract "
                                        "crossed on or before it, so the deadline is the latest "
                                        "possible one"},
        "officer": {field: OFFICER for field in OFFICER_FIELDS},
        "statement": "Facts recorded by Seawall. Whether the transfer was lawful is not assessed "
                     "here.",
    }


def dossier_for_bundle(bundle: Path, *, region: str, catalogue) -> Evidence:
    """The evidence pack's piece: what crossed for this bundle (or that nothing did)."""
    record = crossing(bundle, catalogue, None)
    if record is None:
        return Evidence("transfer.json", "Cross-border transfer: none (trained onshore)",
                        ("transfer-dossier",), as_json({"crossed": False}), {"crossed": False},
                        note="the model was trained onshore: no data crossed the border")
    receiver = record["trained_in"]["region"]
    return Evidence("transfer.json", "Cross-border transfer record (training extract)",
                    ("transfer-dossier", "data-governance-sheet"), as_json(record),
                    {"crossed": True, "to": receiver, "rows": record["extract"]["rows"],
                     "sha256": record["extract"]["sha256"],
                     "dossier": f"seawall report transfer --from {region} --to {receiver} "
                                "--period PERIOD"}, status="partial",
                    note=DOSSIER_NOTE)


def _party(region) -> dict:
    return {"region": region.name, "name": region.display_name, "provider": region.provider,
            "jurisdiction": region.jurisdiction, "residency": region.residency.value}


def _local_day(iso: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(iso).astimezone(zone).date().isoformat()
