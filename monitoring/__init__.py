"""Drift and performance monitoring; built by a later issue.

Nothing is public here yet.
"""

__all__: list[str] = []
