"""Onshore scoring service (FastAPI + onnxruntime); built by the serving issue.

Nothing is public here yet.
"""

__all__: list[str] = []
