"""`python -m seawall` runs the CLI."""

from seawall.cli import main

main()
