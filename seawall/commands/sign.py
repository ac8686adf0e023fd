"""`seawall sign`: sign a bundle (model-signing; key, certificate, PKCS#11 or Sigstore)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from artifacts.signing.choices import Hashing, Method
from seawall._console import DEFAULT_HOME, HomeOption, console


def sign(
    bundle: Annotated[Path, typer.Argument(help="Bundle directory to sign.")],
    method: Annotated[Method, typer.Option(help="key: local ECDSA key (default, created on "
                                           "first use); certificate: bank PKI; pkcs11: HSM key; "
                                           "sigstore: keyless (needs the network).")] = Method.KEY,
    key: Annotated[Path | None, typer.Option(help="Private key (PEM). key: default "
                                             "<home>/keys/signing-key.pem; certificate: "
                                             "required.")] = None,
    certificate: Annotated[Path | None, typer.Option(help="Signing certificate (PEM), for "
                                                     "--method certificate.")] = None,
    chain: Annotated[list[Path] | None, typer.Option(help="Intermediate certificates (PEM); "
                                                     "repeat for several.")] = None,
    pkcs11_uri: Annotated[str | None, typer.Option(envvar="SEAWALL_PKCS11_URI", help="PKCS#11 "
                                                   "URI of the HSM key; the PIN comes from "
                                                   "$SEAWALL_PKCS11_PIN or pin-source.")] = None,
    pkcs11_module: Annotated[list[str] | None, typer.Option(help="Directory or path of PKCS#11 "
                                                            "modules.")] = None,
    identity_token: Annotated[str | None, typer.Option(envvar="SIGSTORE_ID_TOKEN", help="OIDC "
                                                       "identity token for Sigstore.",
                                                       show_envvar=True)] = None,
    trust_config: Annotated[Path | None, typer.Option(help="Sigstore client trust configuration "
                                                      "of a private instance.")] = None,
    hashing: Annotated[Hashing, typer.Option(help="files: whole-file SHA-256 (verifiable by the "
                                             "model_signing CLI); shards: 64 MiB shards, hashed "
                                             "on every core; auto: shards once a file reaches "
                                             "256 MiB.")] = Hashing.AUTO,
    replace: Annotated[bool, typer.Option(help="Replace an existing signature.")] = False,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Sign every file of a bundle; writes a Sigstore bundle (model.sig) beside them."""
    from artifacts.signing import SignRequest, sign_bundle

    signed = sign_bundle(SignRequest(
        bundle=bundle, method=method, home=home, key=key, certificate=certificate,
        chain=tuple(chain or ()), pkcs11_uri=pkcs11_uri, pkcs11_modules=tuple(pkcs11_module or ()),
        identity_token=identity_token, trust_config=trust_config, hashing=hashing,
        replace=replace))
    if signed.created_key:
        console.print(f"[green]✓[/] created the local signing key {signed.created_key} (mode 0600)"
                      f"; its public half is {signed.created_key.with_suffix('.pub')}")
    console.print(f"[green]✓[/] signed {signed.signature} with {signed.signer} "
                  f"(method {signed.method.value}; hashing {signed.hashing})")
    console.print(f"  a region accepts it once its trust policy lists this signer: "
                  f"seawall trust add REGION --name NAME ... (see `seawall trust add --help`)")
