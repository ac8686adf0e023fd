"""Strict JSON for request bodies: UTF-8, no lone surrogate, no key twice in one object.

A lone surrogate (`"\\ud800"`) is not a character: no answer or log record can hold it. A key
written twice is refused because a parser that keeps the last value would score a row the client
did not mean. orjson, the fast parser, refuses lone surrogates but keeps the last of duplicate
keys; a count of the key separators in the raw bytes against the keys parsed proves there were
none, and only a body where the two differ (or that orjson refuses: NaN, Infinity, numbers past
a double) is parsed again by the standard library, pair by pair.

    doc = read_json(body)  # or BadJson(rule, field, value, message)
"""

from __future__ import annotations

import json
import math
import re

import orjson

_SPACED_KEY_END = re.compile(rb'"[ \t\n\r]+:')  # a key's closing quote, blanks, then a colon


class BadJson(ValueError):
    """The body is not strict JSON: `rule` is `json` or `duplicate_key`."""

    def __init__(self, rule: str, field: str, value: object, message: str) -> None:
        super().__init__(message)
        self.rule, self.field, self.value, self.message = rule, field, value, message


def read_json(body: bytes) -> object:
    """The parsed body; `BadJson` if it is not strict JSON."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:  # NaN, Infinity, a huge number, or not JSON at all
        return _read_strictly(body)
    # Every key in the body ends at a `"` then blanks then `:`; a string may hold such a run
    # too, so the count is at least the number of keys written. If it equals the keys parsed
    # (the envelope's and the rows'), no key was written twice (and no cell holds an object).
    if _keys_parsed(doc) != body.count(b'":') + len(_SPACED_KEY_END.findall(body)):
        return _read_strictly(body)
    return doc


def jsonable(value: object) -> object:
    """A value as an answer can carry it: JSON has no NaN or Infinity, and orjson writes
    integers only within 64 bits; what cannot be echoed verbatim is echoed as text."""
    if type(value) is float and not math.isfinite(value):
        return repr(value)
    if type(value) is int and not -2**63 <= value < 2**64:
        return str(value) if value.bit_length() < 1024 else f"{str(value)[:24]}… (an integer)"
    if type(value) is str:
        return printable(value)
    if type(value) in (list, dict):
        try:
            orjson.dumps(value)
        except TypeError:  # somewhere inside, one of the above: echo it as text
            text = ascii(value)
            return text if len(text) <= 200 else f"{text[:200]}…"
    return value


def printable(text: str) -> str:
    """`text`, or its `ascii()` form where it holds a lone surrogate."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return ascii(text)
    return text


def _keys_parsed(doc) -> int:
    if type(doc) is not dict:
        return 0
    rows = doc.get("rows")
    return len(doc) + (sum(len(r) for r in rows if type(r) is dict) if type(rows) is list else 0)


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        raise _DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return doc


def _read_strictly(body: bytes) -> object:
    """The standard parser, which reads NaN and Infinity (the contract check names them) and
    sees every key."""
    try:
        doc = json.loads(body.decode("utf-8"), object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as e:
        raise BadJson("json", "(body)", None, f"the body is not UTF-8 ({e})") from None
    except _DuplicateKey as e:
        raise BadJson("duplicate_key", printable(e.args[0]), None,
                      "a key may appear only once in an object") from None
    except (ValueError, RecursionError) as e:
        raise BadJson("json", "(body)", None, f"the body is not valid JSON ({e})") from None
    surrogate = _lone_surrogate(doc)
    if surrogate is not None:
        raise BadJson("json", "(body)", ascii(surrogate), "the body holds a lone surrogate "
                      "escape, which is not a Unicode character")
    return doc


def _lone_surrogate(doc) -> str | None:
    """The first string (key or value) holding a lone surrogate, walked without recursion (the
    parser already accepted the nesting depth)."""
    stack = [doc]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            stack.extend(item.keys())
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
        elif type(item) is str and not item.isascii():
            try:
                item.encode()
            except UnicodeEncodeError:
                return item
    return None
