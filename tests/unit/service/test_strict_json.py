"""Strict JSON: what the standard library writes reads back equal; a key written twice, a lone
surrogate or bytes that are not UTF-8 are refused with their rule."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.strict_json import BadJson, jsonable, read_json

keys = st.text(max_size=6)  # no surrogates: hypothesis leaves them out of text by default
values = st.recursive(st.none() | st.booleans() | st.integers() | keys
                      | st.floats(allow_nan=False, allow_infinity=False),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(keys, inner, max_size=3), max_leaves=12)
rows = st.lists(st.dictionaries(keys, values, min_size=1, max_size=5), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(rows=rows, indent=st.sampled_from([None, 1]), colon=st.sampled_from([": ", ":", " : "]))
def test_any_document_without_repeated_keys_reads_back_equal(rows, indent, colon):
    doc = {"rows": rows}
    raw = json.dumps(doc, indent=indent, separators=(",", colon)).encode()
    assert read_json(raw) == doc


@settings(max_examples=300, deadline=None)
@given(rows=rows, data=st.data(), colon=st.sampled_from([": ", ":", " : ", "\n:"]))
def test_a_key_written_twice_in_any_row_is_refused(rows, data, colon):
    i = data.draw(st.integers(0, len(rows) - 1))
    key = data.draw(st.sampled_from(sorted(rows[i])))
    text = json.dumps({"rows": rows}, separators=(",", colon))
    rendered = [json.dumps(r, separators=(",", colon)) for r in rows]
    twice = rendered[i].replace("{", "{" + json.dumps(key) + colon + "0,", 1)
    raw = text.replace(rendered[i], twice, 1).encode()
    with pytest.raises(BadJson) as e:
        read_json(raw)
    assert e.value.rule == "duplicate_key" and e.value.field == key


@pytest.mark.parametrize("raw, rule", [
    (b'{"rows": ["\\ud800"]}', "json"), (b'{"\\udc00": 1}', "json"),
    (b'{"rows": ["\xed\xa0\x80"]}', "json"), (b'{"rows": [1], "rows": [2]}', "duplicate_key"),
    (b'\xff\xfe{}', "json"), (b"[" * 100_000, "json"),
])
def test_refusals_name_their_rule(raw, rule):
    with pytest.raises(BadJson) as e:
        read_json(raw)
    assert e.value.rule == rule


def test_nan_infinity_and_huge_numbers_are_read_for_the_contract_to_name():
    doc = read_json(b'{"rows": [[NaN, Infinity, -1e999, 1' + b"0" * 400 + b"]]}")
    nan, inf, minus_inf, huge = doc["rows"][0]
    assert math.isnan(nan) and inf == math.inf and minus_inf == -math.inf and huge == 10 ** 400
    assert jsonable(huge).endswith("(an integer)") and jsonable(nan) == "nan"
    assert jsonable([2 ** 70]) == "[1180591620717411303424]" and jsonable(2 ** 63) == 2 ** 63
