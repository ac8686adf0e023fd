"""Contract versions: MAJOR on what breaks a client, MINOR on what every old request satisfies."""

from __future__ import annotations

import dataclasses

import pytest

from artifacts.bundle import ColumnType, Contract, Field, changes, next_version

AGE = Field(name="AGE", type=ColumnType.NUMERIC, nullable=False, minimum=18, maximum=100)
EDU = Field(name="EDU", type=ColumnType.CATEGORICAL, nullable=False, categories=("1", "2"))
PREVIOUS = Contract(version="2.3.1", fields=(AGE, EDU))


def test_first_contract_is_1_0_0():
    assert next_version(None, (AGE,)) == "1.0.0"


def test_identical_contract_keeps_its_version():
    assert next_version(PREVIOUS, (AGE, EDU)) == "2.3.1"


@pytest.mark.parametrize(("fields", "why"), [
    ((AGE,), "field 'EDU' was removed"),
    ((EDU, AGE), "field order changed"),
    ((dataclasses.replace(AGE, minimum=21), EDU), "range narrowed"),
    ((AGE, dataclasses.replace(EDU, categories=("1",))), "dropped categories"),
    ((dataclasses.replace(AGE, type=ColumnType.CATEGORICAL, minimum=None, maximum=None), EDU),
     "changed type"),
    ((AGE, EDU, Field(name="NEW", type=ColumnType.NUMERIC, nullable=False)), "was added"),
])
def test_breaking_changes_bump_major(fields, why):
    breaking, _ = changes(PREVIOUS, fields)
    assert any(why in b for b in breaking), breaking
    assert next_version(PREVIOUS, fields) == "3.0.0"


@pytest.mark.parametrize("fields", [
    (dataclasses.replace(AGE, maximum=120), EDU),
    (AGE, dataclasses.replace(EDU, categories=("1", "2", "3"))),
    (dataclasses.replace(AGE, nullable=True), EDU),
    (AGE, EDU, Field(name="NEW", type=ColumnType.NUMERIC, nullable=True)),
])
def test_compatible_changes_bump_minor(fields):
    assert next_version(PREVIOUS, fields) == "2.4.0"


def test_contract_round_trips_through_json_dict():
    assert Contract.from_dict(PREVIOUS.to_dict()) == PREVIOUS
