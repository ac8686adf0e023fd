"""`seawall auth`: a local token issuer, so a trial runs with client authentication on.

Production tokens come from the bank's identity provider; `seawall serve` takes its issuer,
audience and JWKS file (`--jwt-issuer`, `--jwt-audience`, `--jwt-jwks`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seawall._console import console

app = typer.Typer(no_args_is_help=True, help="Client authentication for the scoring service: "
                  "a local token issuer for trials and tests.")
DirOption = Annotated[Path, typer.Option("--dir", help="The issuer's directory (its key, 0600, "
                                         "and jwks.json).")]
SCOPES = ("seawall:predict", "seawall:score", "seawall:explain", "seawall:read")


@app.command("dev-issuer")
def dev_issuer(directory: DirOption = Path(".seawall/issuer")) -> None:
    """Create a local ES256 token issuer: a private key (0600) and the JWKS `seawall serve
    --jwt-jwks` reads. For trials and tests; production uses the bank's identity provider."""
    from service.dev_issuer import create_issuer

    jwks = create_issuer(directory)
    console.print(f"[green]✓[/] issuer key in {directory}; public keys in {jwks}\n"
                  f"  serve with: --jwt-issuer ISSUER --jwt-audience AUDIENCE --jwt-jwks {jwks}")


@app.command("token")
def token(
    subject: Annotated[str, typer.Option(help="Who the token names (sub), e.g. the calling "
                                         "system.")],
    issuer: Annotated[str, typer.Option(help="iss claim; must match --jwt-issuer.")],
    audience: Annotated[str, typer.Option(help="aud claim; must match --jwt-audience.")],
    scope: Annotated[list[str] | None, typer.Option(help="A scope to grant (repeat); default: "
                                                    "predict, score, explain and read.")] = None,
    ttl: Annotated[int, typer.Option(min=1, max=86400, help="Seconds until it expires.")] = 3600,
    directory: DirOption = Path(".seawall/issuer"),
) -> None:
    """Print a signed bearer token from the local issuer (for `Authorization: Bearer ...`)."""
    from service.dev_issuer import issue_token

    print(issue_token(directory, issuer=issuer, audience=audience, subject=subject,
                      scopes=list(scope or SCOPES), ttl_seconds=ttl))
