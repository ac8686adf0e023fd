"""Pulumi program and policy pack; built by the infrastructure issue.

Nothing is public here yet.
"""

__all__: list[str] = []
