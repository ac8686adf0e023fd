"""`seawall demo`: the main job end to end on the embedded defaults (no network, no account)."""

from __future__ import annotations

import typer

from artifacts import ModelFamily, TrainRequest, build_candidate
from seawall._console import DEFAULT_HOME, ConsoleProgress, HomeOption, console
from seawall.commands.bundle import inspect
from seawall.commands.train import print_summary


def demo(home: HomeOption = DEFAULT_HOME) -> None:
    """Train offshore on the embedded synthetic data, export, bundle and summarise."""
    console.rule("Seawall demo: offshore training in offshore-sg")
    request = TrainRequest(region="offshore-sg", home=home, family=ModelFamily.LOGREG)
    candidate = build_candidate(request, ConsoleProgress())
    print_summary(candidate)
    console.rule("The bundle")
    try:
        inspect(candidate.bundle)
    except typer.Exit as e:
        if e.exit_code:
            raise
