"""The service image's Dockerfile, read statically (no Docker engine runs on these machines):
every base pinned by digest, a non-root user matching the pods' runAsUser, test tooling out."""

from __future__ import annotations

import re

from infra_values import PROJECT

from infra.k8s_objects import RUN_AS

DOCKERFILE = (PROJECT / "Dockerfile").read_text()


def test_every_stage_starts_from_a_digest_pinned_base():
    base = re.search(r"^ARG PYTHON_BASE=(\S+)$", DOCKERFILE, re.M).group(1)
    assert re.fullmatch(r"[\w./:-]+@sha256:[0-9a-f]{64}", base)
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert len(stages) == 2 and set(stages) == {"${PYTHON_BASE}"}


def test_the_final_stage_runs_as_the_pods_non_root_user():
    final = DOCKERFILE.split("\nFROM ")[-1]
    assert f"USER {RUN_AS}:{RUN_AS}" in final
    assert f"--uid {RUN_AS}" in final and f"--gid {RUN_AS}" in final


def test_test_tooling_left_out_of_the_image_is_really_in_the_lock():
    excluded = re.search(r"grep -v -E '\^\(([^)]+)\)==", DOCKERFILE).group(1).split("|")
    pinned = {line.split("==")[0].lower() for line in
              (PROJECT / "requirements.lock").read_text().splitlines() if "==" in line}
    assert set(excluded) <= pinned
