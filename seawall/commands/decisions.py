"""`seawall decisions`: audit the hash-chained decision log, and sign checkpoints of it.

`verify` walks the chain read-only and, given a checkpoint an auditor kept, proves with an
RFC 6962 consistency proof that the log still extends it (so removed or rewritten records show).
`checkpoint` signs the log's current size and Merkle root with the region's checkpoint key.
`prove` writes an inclusion proof of one request's decisions against a kept checkpoint, which
`check-proof` verifies offline, without the log.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from artifacts import ledger  # lazy: its submodules (and cryptography) load on first use
from regions import Tier, load_catalogue, region_home, require_tier
from seawall._console import DEFAULT_HOME, CatalogueOption, HomeOption, LogOption, console
from service.errors import ServiceError

if TYPE_CHECKING:
    from artifacts.ledger import ChainReport, Checkpoint

app = typer.Typer(no_args_is_help=True, help="The hash-chained decision log.")
RegionOption = Annotated[str, typer.Option("--region", "-r", help="The serving region whose "
                                           "log it is.")]


@app.command("verify")
def verify(
    region: RegionOption = "onshore-hn",
    decision_log: LogOption = None,
    checkpoint: Annotated[Path | None, typer.Option(help="A signed checkpoint kept earlier: "
                                                    "prove the log still extends it.")] = None,
    public_key: Annotated[Path | None, typer.Option(help="The region's checkpoint public key "
                                                    "(PEM; default: the one under <home>). An "
                                                    "auditor passes their own copy.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    expect_empty: Annotated[bool, typer.Option(help="Accept a log that holds no decisions "
                                               "(else an empty log fails).")] = False,
    attested: Annotated[bool, typer.Option(help="Fail if records follow --checkpoint: give it "
                                           "the service's last checkpoint (signed at shutdown) "
                                           "to catch rows appended behind its back.")] = False,
    home: HomeOption = DEFAULT_HOME,
    catalogue: CatalogueOption = None,
) -> None:
    """Walk the hash chain from the first decision, read-only; report the first broken link,
    or a log that no longer extends --checkpoint. Exit 1 if either."""
    url = _log_url(region, decision_log, home, catalogue)
    kept = None
    if checkpoint is not None:
        key = public_key or _checkpoint_key(home, region)
        kept = ledger.open_checkpoint(_read(checkpoint), _public_key(key),
                                      source=str(checkpoint))
        if kept.origin != ledger.origin_of(region):
            raise ServiceError(f"{checkpoint}: a checkpoint of {kept.origin}, not of "
                               f"{ledger.origin_of(region)}")
    if attested and kept is None:
        raise typer.BadParameter("--attested needs --checkpoint")
    report = _walk(url, kept)
    if report.intact and attested and report.unattested:
        report = dataclasses.replace(
            report, broken_at=report.records - report.unattested + 1,
            reason=f"{report.unattested} records follow the {report.consistent_with}, which "
                   "was to cover the whole log: they were appended without the service")
    if report.records == 0 and not expect_empty:
        raise ServiceError(f"{report.location}: the decision log holds no decisions; if that "
                           "is expected (nothing served yet), pass --expect-empty")
    if as_json:
        console.print_json(json.dumps(report.to_json()))
    elif report.intact:
        tail = (f"; {report.unattested} records after it are not covered by a signature yet"
                if report.unattested else "")
        kept_line = (f"\n  consistent with the {report.consistent_with}{tail}"
                     if report.consistent_with
                     else "\n  (sign a checkpoint and keep it: a later check against it shows "
                     "removed or rewritten records)")
        console.print(f"[green]✓[/] {report.location}: {report.records} decisions, chain intact; "
                      f"head {report.head}; Merkle root {report.root}{kept_line}")
    else:
        console.print(f"[red]✗[/] {report.location}: broken at record {report.broken_at}: "
                      f"{report.reason}\n  {min(report.records, report.broken_at - 1)} records "
                      "before it verify; last good "
                      f"hash {report.head}")
    raise typer.Exit(0 if report.intact else 1)


@app.command("checkpoint")
def checkpoint(
    region: RegionOption = "onshore-hn",
    decision_log: LogOption = None,
    key: Annotated[str | None, typer.Option(help="Sign with this key: a PEM file or an HSM "
                                            "key's pkcs11: URI (PIN from $SEAWALL_PKCS11_PIN; "
                                            "default: the region's local checkpoint key, "
                                            "created 0600 on first use).")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the note (default: "
                                             "<home>/regions/<region>/checkpoints/"
                                             "<size>.note).")] = None,
    home: HomeOption = DEFAULT_HOME,
    catalogue: CatalogueOption = None,
) -> None:
    """Sign the log's size and Merkle root with the region's checkpoint key and write the note
    for an auditor to keep. (`seawall serve` signs them on its own, too.)"""
    from artifacts.signing import ensure_local_key, open_signing_key

    url = _log_url(region, decision_log, home, catalogue)
    report = _walk(url, None)
    if not report.intact:
        raise ServiceError(f"{report.location}: the chain is broken at record "
                           f"{report.broken_at} ({report.reason}); no checkpoint is signed")
    verify_with = None
    if key is None:
        local = ensure_local_key(checkpoint_home(home, region))
        key, verify_with = str(local.private), str(local.public)
    signing_key = open_signing_key(key)
    if verify_with is None:
        from artifacts.signing import fingerprint, public_pem

        verify_with = (f"its public key ({fingerprint(public_pem(signing_key.public_key()))}: "
                       "decisions verify --public-key PEM)")
    note = ledger.sign_checkpoint(ledger.Checkpoint(ledger.origin_of(region), report.records,
                                                    bytes.fromhex(report.root)), signing_key)
    target = out or region_home(home, region) / "checkpoints" / f"{report.records}.note"
    ledger.write_atomically(target, note)
    console.print(note, end="", markup=False, highlight=False, soft_wrap=True)
    console.print(f"[green]✓[/] checkpoint of {report.records} decisions written to {target}; "
                  f"verify with {verify_with}")


@app.command("prove")
def prove_request(
    request_id: Annotated[str, typer.Argument(help="The request whose decisions to prove.")],
    checkpoint: Annotated[Path, typer.Option(help="The signed checkpoint to prove against.")],
    region: RegionOption = "onshore-hn",
    decision_log: LogOption = None,
    public_key: Annotated[Path | None, typer.Option(help="The region's checkpoint public key "
                                                    "(default: the one under <home>).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the proof here (default: print "
                                             "it).")] = None,
    home: HomeOption = DEFAULT_HOME,
    catalogue: CatalogueOption = None,
) -> None:
    """An inclusion proof that REQUEST_ID's decisions are in the log the checkpoint signed
    (JSON, for `seawall decisions check-proof`)."""
    from artifacts.ledger import prove

    url = _log_url(region, decision_log, home, catalogue)
    note = _read(checkpoint)
    kept = ledger.open_checkpoint(note, _public_key(public_key or _checkpoint_key(home, region)),
                                  source=str(checkpoint))
    store = ledger.open_store(url, read_only=True)
    try:
        report = ledger.verify_chain(store, checkpoint=kept)
        if not report.intact:
            raise ServiceError(f"{report.location}: {report.reason}; nothing can be proven "
                               "from it")
        proof = prove(request_id, list(store.records()), note, kept)
    finally:
        store.close()
    text = json.dumps(proof.to_json(), indent=2) + "\n"
    if out is None:
        console.print(text, end="", markup=False, highlight=False, soft_wrap=True)
    else:
        ledger.write_atomically(out, text)
        console.print(f"[green]✓[/] {len(proof.records)} decisions of {request_id} proven "
                      f"against the checkpoint of {kept.size} records: {out}")


@app.command("check-proof")
def check_proof_file(
    proof: Annotated[Path, typer.Argument(help="A proof from `seawall decisions prove`.")],
    public_key: Annotated[Path, typer.Option(help="The region's checkpoint public key (PEM), "
                                             "as the auditor holds it.")],
) -> None:
    """Verify an inclusion proof offline: the checkpoint's signature, each decision's hash and
    its path to the signed root. No log is read."""
    from artifacts.ledger import InclusionProof, check_proof

    try:
        doc = json.loads(_read(proof))
    except ValueError as e:
        raise ServiceError(f"{proof}: not JSON ({e})") from None
    document = InclusionProof.from_json(doc, source=str(proof))
    kept = check_proof(document, _public_key(public_key), source=str(proof))
    console.print(f"[green]✓[/] {len(document.records)} decisions of request "
                  f"{document.request_id} are in {kept.origin} as signed at {kept.size} records "
                  f"(root {kept.root.hex()[:16]}…)")


def _log_url(region: str, decision_log: str | None, home: Path, catalogue) -> str:
    if decision_log is None:  # the region's own log: the region must exist and serve
        require_tier(load_catalogue(catalogue).get(region), Tier.SERVING)
    url = decision_log or str(region_home(home, region) / "decisions.db")
    if "://" not in url and not Path(url).is_file():
        raise ServiceError(f"{url}: no decision log there (serve some decisions first, or pass "
                           "--decision-log)")
    return url


def _walk(url: str, kept: Checkpoint | None) -> ChainReport:
    store = ledger.open_store(url, read_only=True)  # an audit never writes to what it audits
    try:
        return ledger.verify_chain(store, checkpoint=kept)
    finally:
        store.close()


def checkpoint_home(home: Path, region: str) -> Path:
    """Where the region's checkpoint key lives (`keys/` below it, as `ensure_local_key` makes)."""
    return region_home(home, region) / "checkpoint"


def _checkpoint_key(home: Path, region: str) -> Path:
    """The region's checkpoint public key."""
    from artifacts.signing.keys import PUBLIC_KEY

    return checkpoint_home(home, region) / "keys" / PUBLIC_KEY


def _public_key(path: Path):
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as e:
        raise ServiceError(f"{path}: not a readable PEM public key ({e})") from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ServiceError(f"{path}: cannot read the checkpoint ({e})") from None

