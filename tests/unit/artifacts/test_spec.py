"""Dataset specs: the embedded spec is valid; malformed specs name the field and the rule."""

from __future__ import annotations

import pytest
import yaml

from artifacts.bundle import ColumnType
from artifacts.errors import SpecError
from artifacts.factory import EMBEDDED_SPEC, Role, load_spec


def test_embedded_spec_follows_the_uci_schema():
    spec = load_spec()
    explanatory = [c for c in spec.columns if c.role in (Role.FEATURE, Role.EXCLUDED)]
    assert len(explanatory) == 23  # X1..X23 of the UCI file
    assert spec.target.name == "default.payment.next.month"
    assert "default payment next month" in spec.target.aliases  # the original XLS name
    sex = next(c for c in spec.columns if c.name == "SEX")
    assert sex.role is Role.EXCLUDED  # protected attribute: kept for bias checks, never scored
    assert all(c.reason and c.reason.vi for c in spec.features)
    assert next(c for c in spec.columns if c.name == "EDUCATION").type is ColumnType.CATEGORICAL


def _write(tmp_path, data) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _embedded():
    return yaml.safe_load(EMBEDDED_SPEC.read_text())


@pytest.mark.parametrize(("mutate", "field", "rule"), [
    (lambda d: d.update(owner="x"), "owner", "unknown field"),
    (lambda d: d["columns"][1].update(colour="red"), "columns[1] (LIMIT_BAL).colour", "unknown field"),
    (lambda d: d["columns"][1].update(data_class="secret"), "columns[1] (LIMIT_BAL).data_class", "is not one of"),
    (lambda d: d["columns"][1].update(range=[5, 1]), "columns[1] (LIMIT_BAL).range", "minimum must be below"),
    (lambda d: d["columns"][3].update(range=[0, 1]), "columns[3] (EDUCATION).range", "only numeric"),
    (lambda d: d["columns"][1].update(categories=[1]), "columns[1] (LIMIT_BAL).categories", "only categorical"),
    (lambda d: d["columns"][3].update(categories=[1, 1.0]), "columns[3] (EDUCATION).categories", "twice"),
    (lambda d: d["columns"][1].update(reason={"en": "x"}), "columns[1] (LIMIT_BAL).reason", "'en' and 'vi'"),
    (lambda d: d["columns"][1].update(role="target"), "columns", "exactly one column with role: target"),
    (lambda d: d["columns"][2].update(name="LIMIT_BAL"), "columns", "declared twice"),
    (lambda d: d["card"].update(risk_tier="extreme"), "card.risk_tier", "must be one of"),
    (lambda d: d.pop("columns"), "columns", "required field is missing"),
])
def test_malformed_spec_names_field_and_rule(tmp_path, mutate, field, rule):
    data = _embedded()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert caught.value.field == field
    assert rule in str(caught.value) and str(path) in str(caught.value)


def test_missing_spec_file_is_a_clear_error(tmp_path):
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "nope.yaml")
