"""`seawall infra render`: a stack's Kubernetes manifests as YAML, schema-checked, for review.

The stack file is read and checked exactly as `pulumi up` would (see stack_config), the program
is planned under Pulumi's mocks (see plan), and every Kubernetes object is validated against
the pinned Kubernetes version's JSON schemas (kubernetes-validate, strict: unknown fields are
errors). The Vault policy text is written beside the manifests. Nothing is written unless every
object validates; the output directory is replaced in one rename.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from infra.errors import InfraError, StackConfigError
from infra.plan import Plan, plan_stack
from infra.stack_config import NAMESPACE, StackConfig, parse_stack_config
from regions import Catalogue, load_catalogue

RENDER_MARKER = ".seawall-render"
KUBERNETES_VERSION = "1.30"  # the oldest version the domestic clouds' managed clusters run


@dataclass(frozen=True)
class SchemaCheck:
    """One object's schema result: `None` problem means valid; `checked` is False for custom
    resources with no schema here (`why` says so)."""

    kind: str
    name: str
    checked: bool
    problem: str | None = None
    why: str = ""


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` holding Pulumi.yaml, else Seawall's own."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    return Path(__file__).resolve().parent.parent


def read_stack_file(path: Path) -> dict[str, Any]:
    """The `seawall:*` values of a stack file, without the namespace; secrets are left out."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise StackConfigError(str(path), None, "no such stack file; stacks are named after "
                               "regions (Pulumi.<region>.yaml)") from None
    except OSError as e:
        raise StackConfigError(str(path), None, f"cannot read the stack file ({e.strerror})") \
            from None
    except yaml.YAMLError as e:
        raise StackConfigError(str(path), None, f"not valid YAML: {e}") from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict):
        raise StackConfigError(str(path), "config", "the stack file needs a 'config:' mapping")
    values = {}
    for key, value in config.items():
        namespace, _, name = str(key).partition(":")
        if namespace != NAMESPACE:
            continue
        if isinstance(value, dict) and "secure" in value:
            continue  # encrypted by the stack's secrets provider: only `pulumi` can read it
        values[name] = value
    return values


def load_stack(stack: str, project_dir: Path, catalogue: Catalogue | None = None) -> StackConfig:
    path = project_dir / f"Pulumi.{stack}.yaml"
    values = read_stack_file(path)
    config = parse_stack_config(values, source=str(path), catalogue=catalogue or load_catalogue())
    if config.region.name != stack:
        raise StackConfigError(str(path), "region", f"names region '{config.region.name}' but "
                               f"the stack is '{stack}'; each stack is one region, by name")
    return config


def check_schemas(objects: list[dict[str, Any]],
                  version: str = KUBERNETES_VERSION) -> list[SchemaCheck]:
    """Validate each object against Kubernetes `version`'s strict schemas, and the custom
    resources Seawall renders (CloudNativePG) against their operator's published schemas."""
    from infra.crd_check import KINDS, check_custom

    custom = [o for o in objects if (o.get("apiVersion"), o.get("kind")) in KINDS]
    verdicts = check_custom(custom) if custom else []
    by_id = {id(o): v for o, v in zip(custom, verdicts if isinstance(verdicts, list)
                                      else [verdicts] * len(custom))}
    checks = []
    for obj in objects:
        kind, name = obj.get("kind", "?"), obj.get("metadata", {}).get("name", "?")
        if id(obj) in by_id:
            if isinstance(verdicts, str):  # no Node or no schemas: not checked, and why
                checks.append(SchemaCheck(kind, name, checked=False, why=verdicts))
            else:
                checks.append(SchemaCheck(kind, name, True, by_id[id(obj)]))
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            checks.append(SchemaCheck(kind, name, checked=False,
                                      why="a custom resource with no bundled schema"))
            continue
        except kubernetes_validate.ValidationError as e:
            where = ".".join(str(p) for p in e.path) or "(object)"
            checks.append(SchemaCheck(kind, name, True, f"{where}: {e.message}"))
            continue
        checks.append(SchemaCheck(kind, name, True))
    return checks


def check_stack(config: StackConfig) -> tuple[Plan, list[SchemaCheck]]:
    """Plan the stack, validate every object's schema and run the policy pack over the plan;
    raise InfraError listing every problem if anything fails."""
    from infra.policies.evaluate import evaluate  # the pack imports pulumi_policy

    plan = plan_stack(config)
    checks = check_schemas(plan.kubernetes_objects())
    problems = [f"{c.kind}/{c.name}: {c.problem}" for c in checks if c.problem]
    problems += [str(v) for v in evaluate(plan)]
    if problems:
        raise InfraError(f"stack {config.region.name}: {len(problems)} problem(s) (Kubernetes "
                         f"{KUBERNETES_VERSION} schemas, policy pack): " + "; ".join(problems))
    return plan, checks


def _writable_out(out: Path) -> Path:
    """`out`, once it is known that rendering may replace it: a new or empty directory, or one
    an earlier render wrote; its parent is created."""
    if out.exists() and not out.is_dir():
        raise InfraError(f"{out}: is a file, not a directory; --out names the directory the "
                         "manifests are written to (it is replaced whole)")
    if out.exists() and any(out.iterdir()) and not (out / RENDER_MARKER).exists():
        raise InfraError(f"{out}: exists and was not written by 'seawall infra render'; "
                         "choose an empty or new directory (it is replaced whole)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InfraError(f"{out}: cannot create its parent directory ({e.strerror})") from None
    return out


def render(stack: str, out: Path, *, project_dir: Path | None = None,
           catalogue: Catalogue | None = None) -> tuple[Plan, list[SchemaCheck]]:
    """Write the stack's manifests to `out` (replaced whole) once every object is schema-valid
    and the policy pack passes; otherwise raise InfraError and write nothing."""
    out = _writable_out(out.resolve())  # before the plan: a wrong --out fails fast
    config = load_stack(stack, project_dir or find_project_dir(), catalogue)
    plan, checks = check_stack(config)
    objects = plan.kubernetes_objects()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for i, obj in enumerate(sorted(objects, key=apply_order), start=1):
            name = f"{i:02d}-{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
            (staging / name).write_text(_as_yaml(obj), encoding="utf-8")
        for policy in plan.of_type("vault:index/policy:Policy"):
            (staging / f"vault-policy-{policy.props['name']}.hcl").write_text(
                policy.props["policy"], encoding="utf-8")
        (staging / RENDER_MARKER).write_text(f"stack {stack}\n", encoding="utf-8")
        os.chmod(staging, 0o755)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return plan, checks


_KIND_ORDER = ("Namespace", "ServiceAccount", "ConfigMap", "NetworkPolicy", "Service",
               "Deployment", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget")


def apply_order(obj: dict[str, Any]) -> tuple[int, str, str]:
    """A total order (the engine's registration order is not stable), the namespace first;
    kinds outside `_KIND_ORDER` (a ServiceMonitor and a PrometheusRule may share a name) after,
    by kind."""
    kind = obj["kind"]
    rank = _KIND_ORDER.index(kind) if kind in _KIND_ORDER else len(_KIND_ORDER)
    return rank, kind, obj["metadata"]["name"]


def _as_yaml(obj: dict[str, Any]) -> str:
    """apiVersion, kind and metadata first, then the rest; keys below sorted, for clean diffs."""
    head = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
    text = yaml.safe_dump(head, sort_keys=True)
    rest = {k: v for k, v in obj.items() if k not in head}
    return text + (yaml.safe_dump(rest, sort_keys=True) if rest else "")
