"""`seawall trust`: read and extend a region's trust policy (who may sign for it, for what)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from artifacts.errors import TrustPolicyError
from artifacts.signing.purposes import Purpose, SignerKind
from regions import load_catalogue
from seawall._console import CatalogueOption, console

app = typer.Typer(help="Show or extend the regions' trust policies.", no_args_is_help=True)


@app.command("list")
def list_(region: Annotated[str, typer.Argument(help="Region name.")],
          catalogue: CatalogueOption = None) -> None:
    """List the signers a region trusts, and for what."""
    from artifacts.signing import policy_path, read_policy  # cryptography: on use only

    path = policy_path(load_catalogue(catalogue), region)
    policy = read_policy(path, region)
    console.print(f"trust policy of {region}: {path}")
    if not policy.signers:
        console.print("  nobody is trusted: every bundle is refused")
        return
    table = Table("name", "signer", "purposes", "models")
    for s in policy.signers:
        table.add_row(s.name, s.described, ", ".join(sorted(p.value for p in s.purposes)),
                      ", ".join(s.models))
    console.print(table)


@app.command("add")
def add(
    region: Annotated[str, typer.Argument(help="Region whose policy to extend.")],
    name: Annotated[str, typer.Option(help="A name for this signer in reports.")],
    purpose: Annotated[list[Purpose], typer.Option(help="What the signer is trusted for; "
                                                   "repeat for several.")],
    model: Annotated[list[str] | None, typer.Option(help="Model-name pattern (default: every "
                                                    "model); repeat for several.")] = None,
    public_key: Annotated[Path | None, typer.Option(help="kind key: PEM public key.")] = None,
    pkcs11_uri: Annotated[str | None, typer.Option(help="kind key: read the public key from "
                                                   "this HSM key.")] = None,
    pkcs11_module: Annotated[list[str] | None, typer.Option(help="PKCS#11 module paths.")] = None,
    certificate: Annotated[Path | None, typer.Option(help="kind certificate: a certificate of "
                                                     "the signer (subject and issuer are taken "
                                                     "from it).")] = None,
    roots: Annotated[Path | None, typer.Option(help="kind certificate: the root CA "
                                               "certificates (PEM) the chain must end in.")] = None,
    sigstore_identity: Annotated[str | None, typer.Option(help="kind sigstore: the OIDC "
                                                          "identity (email or URI).")] = None,
    oidc_issuer: Annotated[str | None, typer.Option(help="kind sigstore: the OIDC issuer.")] = None,
    trust_config: Annotated[str | None, typer.Option(help="kind sigstore: a private trust "
                                                     "configuration, relative to the policy "
                                                     "file.")] = None,
    role: Annotated[list[str] | None, typer.Option(help="purpose approve: a role the signer "
                                                   "approves as (validator, model-risk-head, "
                                                   "model-owner, release-engineer); repeat for "
                                                   "several.")] = None,
    catalogue: CatalogueOption = None,
) -> None:
    """Trust one more signer in a region (key, certificate or Sigstore identity)."""
    from cryptography import x509

    from artifacts.signing import (
        add_signer,
        certificate_identity,
        check_purposes,
        fingerprint,
        pkcs11_public_pem,
        policy_path,
    )

    cat = load_catalogue(catalogue)
    path = policy_path(cat, region)
    check_purposes(purpose, cat.get(region).tiers, str(path), "--purpose", region)
    entry: dict = {"name": name}
    if public_key or pkcs11_uri:
        pem = _read(public_key) if public_key else pkcs11_public_pem(pkcs11_uri,
                                                                     tuple(pkcs11_module or ()))
        entry |= {"kind": SignerKind.KEY.value, "fingerprint": fingerprint(pem),
                  "public_key": pem.decode()}
    elif certificate:
        if roots is None:
            raise TrustPolicyError(str(path), None, "--certificate needs --roots")
        try:
            cert = x509.load_pem_x509_certificate(_read(certificate))
        except ValueError:
            raise TrustPolicyError(str(certificate), None, "not a PEM certificate") from None
        subject, issuer = certificate_identity(cert)
        entry |= {"kind": SignerKind.CERTIFICATE.value, "subject": subject, "issuer": issuer,
                  "roots": _read(roots).decode()}
    elif sigstore_identity and oidc_issuer:
        entry |= {"kind": SignerKind.SIGSTORE.value, "identity": sigstore_identity,
                  "oidc_issuer": oidc_issuer}
        if trust_config:
            entry["trust_config"] = trust_config
    else:
        raise TrustPolicyError(str(path), None, "say who the signer is: --public-key, "
                               "--pkcs11-uri, --certificate with --roots, or --sigstore-identity "
                               "with --oidc-issuer")
    entry |= {"purposes": [p.value for p in purpose], "models": model or ["*"]}
    if role:
        entry["roles"] = list(role)
    signer = add_signer(path, region, entry)
    console.print(f"[green]✓[/] {region} now trusts '{signer.name}' ({signer.described}) for "
                  f"{', '.join(sorted(p.value for p in signer.purposes))}; policy {path}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise TrustPolicyError(str(path), None, f"cannot read it ({e.strerror})") from None
