"""Typed, format-tagged documents: the currency between areas.

A document is a frozen dataclass with a `FORMAT` tag (`seawall.<kind>/v<n>`), `to_json()` (a
plain dict carrying `"format"`) and `from_json(doc)`, which checks the tag and every field and
raises `DocumentError` naming the field and the rule. Nested dataclasses, `dict[str, X]`,
`list[X]`, `tuple[X, ...]` and `X | None` are read from the type hints, so a document class is
only its fields. Fields added later get defaults, so files written before still load::

    @dataclass(frozen=True, kw_only=True)
    class Manifest(Document):
        FORMAT: ClassVar[str] = "seawall.bundle/v1"
        model: ModelRef
        files: dict[str, FileDigest]

    manifest = Manifest.from_json(json.loads(text), source="bundle/manifest.json")
    assert Manifest.from_json(manifest.to_json()) == manifest

Reporting renders any document from its JSON without importing the area that made it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, ClassVar, Self

from artifacts.errors import ArtifactError
from regions import Mistake


class DocumentError(ArtifactError, Mistake):
    """A document is missing a field, has one of the wrong type, or carries another format."""


class Document:
    """Base of the typed documents (see the module docstring)."""

    FORMAT: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        return {"format": self.FORMAT, **_plain(self)}

    @classmethod
    def from_json(cls, doc: object, *, source: str = "document") -> Self:
        if not isinstance(doc, dict):
            raise DocumentError(f"{source}: must be a JSON object, not {type(doc).__name__}")
        if doc.get("format") != cls.FORMAT:
            raise DocumentError(f"{source}: field 'format' must be {cls.FORMAT!r} "
                                f"(got {doc.get('format')!r})")
        return _build(cls, doc, source, "")


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _build(kind: Any, value: object, source: str, where: str) -> Any:
    """`value` (parsed JSON) as an instance of the type `kind`."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _build(inner, value, source, where)
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise _wrong(source, where, "an object", value)
        hints = typing.get_type_hints(kind)
        given = {}
        for f in dataclasses.fields(kind):
            path = f"{where}.{f.name}" if where else f.name
            if f.name in value:
                given[f.name] = _build(hints[f.name], value[f.name], source, path)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise DocumentError(f"{source}: field '{path}' is missing")
        return kind(**given)
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(source, where, "an object", value)
        return {k: _build(args[1], v, source, f"{where}.{k}") for k, v in value.items()}
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise _wrong(source, where, "an array", value)
        items = [_build(args[0], v, source, f"{where}[{i}]") for i, v in enumerate(value)]
        return items if origin is list else tuple(items)
    if kind is float and type(value) in (int, float):
        return float(value)
    if kind in (dict, list) and not isinstance(value, kind):
        raise _wrong(source, where, "an object" if kind is dict else "an array", value)
    if kind in (str, int, bool) and type(value) is not kind:
        raise _wrong(source, where, kind.__name__, value)
    return value  # Any, dict without arguments: kept as parsed


def _wrong(source: str, where: str, expected: str, value: object) -> DocumentError:
    return DocumentError(f"{source}: field '{where}' must be {expected}, "
                         f"not {type(value).__name__}")
