"""`pulumi up` runs this file (Pulumi.yaml: `main: infra/`); the program is infra/program.py."""

from infra.program import run

run()
