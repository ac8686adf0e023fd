"""The region catalogue loads, and refuses every inconsistent file with file, field and rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from regions import (
    CatalogueError,
    DataClass,
    ResidencyError,
    Tier,
    check_data_classes,
    load_catalogue,
    require_tier,
)


def test_packaged_catalogue_has_offshore_training_and_an_onshore_dr_pair():
    catalogue = load_catalogue()
    sg, hn, hcm = (catalogue.get(n) for n in ("offshore-sg", "onshore-hn", "onshore-hcm"))
    assert not sg.onshore and sg.tiers == {Tier.TRAINING} and sg.jurisdiction == "SG"
    assert hn.onshore and hn.allows_tier(Tier.SERVING) and hn.jurisdiction == "VN"
    assert (hn.dr_pair, hcm.dr_pair) == ("onshore-hcm", "onshore-hn")
    assert not sg.allows(DataClass.PII) and hn.allows(DataClass.PII)
    assert [str(n) for n in catalogue.offshore_ranges()] == ["10.80.0.0/16"]


def _edit(directory: Path, region: str, **changes) -> Path:
    path = directory / f"{region}.yaml"
    data = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if value is _DELETE:
            del data[key]
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data))
    return path


_DELETE = object()


@pytest.mark.parametrize(("region", "changes", "field", "rule"), [
    ("onshore-hn", {"colour": "blue"}, "colour", "unknown field"),
    ("onshore-hn", {"provider": _DELETE}, "provider", "required field is missing"),
    ("onshore-hn", {"dr_pair": "offshore-sg"}, "dr_pair", "must be an onshore serving region"),
    ("onshore-hn", {"dr_pair": "onshore-dn"}, "dr_pair", "not in the catalogue"),
    ("onshore-hn", {"dr_pair": None}, "dr_pair", "a serving region needs a DR pair"),
    ("onshore-hn", {"dr_pair": "onshore-hn"}, "dr_pair", "its own DR pair"),
    ("offshore-sg", {"tiers": ["training", "serving"]}, "tiers", "only in onshore regions"),
    ("offshore-sg", {"data_classes": ["anonymous", "pii"]}, "data_classes", "personal data"),
    ("offshore-sg", {"jurisdiction": "VN"}, "jurisdiction", "home jurisdiction"),
    ("offshore-sg", {"jurisdiction": "Singapore"}, "jurisdiction", "ISO 3166-1"),
    ("onshore-hn", {"name": "onshore-hanoi"}, "name", "must equal the file name"),
    ("onshore-hn", {"residency": "inland"}, "residency", "is not one of"),
    ("onshore-hn", {"tiers": ["serving", "serving"]}, "tiers", "twice"),
    ("onshore-hn", {"address_ranges": ["10.0.0.0/33"]}, "address_ranges", "invalid CIDR"),
    ("onshore-hn", {"trust_policy": "../../etc/passwd"}, "trust_policy", "inside the catalogue"),
    ("onshore-hn", {"trust_policy": "trust/nobody.yaml"}, "trust_policy", "does not exist"),
])
def test_invalid_region_file_is_refused_naming_file_field_and_rule(
        catalogue_dir, region, changes, field, rule):
    path = _edit(catalogue_dir, region, **changes)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(catalogue_dir)
    message = str(caught.value)
    assert caught.value.field == field, message
    assert rule in message
    assert region in message or str(path) in message


def test_non_mutual_dr_pair_is_refused(catalogue_dir):
    third = yaml.safe_load((catalogue_dir / "onshore-hcm.yaml").read_text())
    third.update(name="onshore-dn", dr_pair="onshore-hn")
    (catalogue_dir / "onshore-dn.yaml").write_text(yaml.safe_dump(third))
    with pytest.raises(CatalogueError, match="mutual"):
        load_catalogue(catalogue_dir)


def test_malformed_yaml_and_empty_directory_are_clear_errors(catalogue_dir, tmp_path):
    (catalogue_dir / "onshore-hn.yaml").write_text("name: [unclosed")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(catalogue_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CatalogueError, match="no \\*.yaml region files"):
        load_catalogue(empty)


def test_unknown_region_lists_the_known_ones():
    with pytest.raises(CatalogueError, match="known regions: offshore-sg, onshore-hcm"):
        load_catalogue().get("offshore-us")


def test_residency_refuses_personal_data_offshore_naming_every_column():
    sg = load_catalogue().get("offshore-sg")
    with pytest.raises(ResidencyError) as caught:
        check_data_classes(sg, {"NAME": DataClass.PII, "AGE": DataClass.ANONYMOUS,
                                "CIF": DataClass.PSEUDONYMOUS}, source="spec.yaml")
    message = str(caught.value)
    assert "column 'NAME' is pii" in message and "column 'CIF' is pseudonymous" in message
    assert "AGE" not in message and "offshore-sg" in message and "Nothing was read" in message


def test_residency_allows_anonymous_offshore_and_personal_data_onshore():
    catalogue = load_catalogue()
    check_data_classes(catalogue.get("offshore-sg"), {"AGE": DataClass.ANONYMOUS}, source="s")
    check_data_classes(catalogue.get("onshore-hn"), {"NAME": DataClass.PII}, source="s")


def test_serving_is_refused_offshore_and_training_onshore():
    catalogue = load_catalogue()
    with pytest.raises(ResidencyError, match="does not allow the serving tier"):
        require_tier(catalogue.get("offshore-sg"), Tier.SERVING)
    with pytest.raises(ResidencyError, match="does not allow the training tier"):
        require_tier(catalogue.get("onshore-hn"), Tier.TRAINING)
    require_tier(catalogue.get("onshore-hn"), Tier.SERVING)
