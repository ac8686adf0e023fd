"""Seawall: the command-line composition root (typer). Nothing imports this package."""

__version__ = "0.1.0"
