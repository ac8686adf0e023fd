"""`seawall secrets`: put and list runtime secrets in the configured store (file or Vault)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from regions.errors import SecretError
from regions.secrets import SECRETS_ENV, open_secret_store
from seawall._console import console

app = typer.Typer(help="Runtime secrets (decision-log URL, registry credentials): local file "
                       "store by default, Vault in production.", no_args_is_help=True)
StoreOption = Annotated[str | None, typer.Option(
    "--store", envvar=SECRETS_ENV, help="file:///dir, or vault+https://host:8200?mount=..."
                                        "&prefix=...&auth=token|kubernetes&role=... "
                                        "(default: file://.seawall/secrets).")]


@app.command("set")
def set_(name: Annotated[str, typer.Argument(help="Secret name, e.g. decision-log-url.")],
         store: StoreOption = None) -> None:
    """Store a secret read from standard input (prompted without echo on a terminal), never
    from the command line, where it would land in shell history and the process list."""
    value = getpass.getpass(f"{name}: ") if sys.stdin.isatty() else sys.stdin.read()
    value = value.rstrip("\n")
    if not value:
        raise SecretError(f"secret '{name}': empty value on standard input; nothing stored")
    target = open_secret_store(store)
    target.put(name, value)
    console.print(f"[green]✓[/] stored '{name}' in {target.location} ({len(value)} characters)")


@app.command("list")
def list_(store: StoreOption = None) -> None:
    """List the secret names in the store (never their values)."""
    target = open_secret_store(store)
    names = target.names()
    console.print(f"{len(names)} secret(s) in {target.location}")
    for name in names:
        console.print(f"  {name}")
