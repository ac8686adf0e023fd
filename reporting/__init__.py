"""Model cards and regulatory evidence packs; built by a later issue.

Nothing is public here yet.
"""

__all__: list[str] = []
