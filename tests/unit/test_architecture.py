"""The dependency arrows of docs/architecture.md, enforced on the source: every import (at the
top of a module or inside a function) between Seawall's areas follows an allowed arrow, no
area's modules import each other in a loop, and the onshore service loads no training stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AREAS = ("seawall", "regions", "artifacts", "service", "monitoring", "reporting", "infra")

# area (artifacts split into its sub-packages) -> the areas it may import
ALLOWED = {
    "seawall": set(AREAS) | {"artifacts.bundle", "artifacts.signing", "artifacts.factory",
                             "artifacts.registry", "artifacts.ledger"},
    "regions": set(),
    "artifacts": {"regions"},  # the errors and the map of sub-packages
    "artifacts.bundle": {"artifacts", "regions"},
    "artifacts.ledger": {"artifacts", "regions"},
    "artifacts.signing": {"artifacts", "artifacts.bundle", "regions"},
    "artifacts.registry": {"artifacts", "artifacts.bundle", "artifacts.signing", "regions"},
    "artifacts.factory": {"artifacts", "artifacts.bundle", "artifacts.registry", "regions"},
    "service": {"artifacts", "artifacts.bundle", "artifacts.signing", "artifacts.ledger",
                "regions"},
    "monitoring": {"artifacts", "artifacts.bundle", "artifacts.ledger", "regions"},
    "reporting": {"artifacts", "artifacts.bundle", "artifacts.signing", "artifacts.registry",
                  "artifacts.ledger", "monitoring", "regions"},
    "infra": {"artifacts", "artifacts.bundle", "artifacts.ledger", "regions"},
}
SUBPACKAGES = ("bundle", "signing", "factory", "registry", "ledger")


def area_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] not in AREAS:
        return None
    if parts[0] == "artifacts" and len(parts) > 1 and parts[1] in SUBPACKAGES:
        return f"artifacts.{parts[1]}"
    return parts[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def sources() -> list[Path]:
    return [p for area in AREAS for p in (ROOT / area).rglob("*.py")]


def test_every_import_between_areas_follows_an_allowed_arrow():
    wrong = []
    for path in sources():
        source = area_of(module_name(path))
        for imported in imports(path, top_level_only=False):
            target = area_of(imported)
            if target and target != source and target not in ALLOWED[source]:
                wrong.append(f"{path.relative_to(ROOT)}: {source} -> {imported}")
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(sorted(wrong))


def test_nothing_imports_the_cli():
    assert not [p for p in sources() if area_of(module_name(p)) != "seawall"
                and any(area_of(i) == "seawall" for i in imports(p, top_level_only=False))]


def test_no_import_loop_between_modules():
    """Module-level imports only (an import inside a function runs after start-up)."""
    known = {module_name(p): p for p in sources()}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        for imported in imports(path, top_level_only=True):
            while imported and imported not in known:  # `from a.b import c`: c may be a name
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + "."):
                graph[name].add(imported)
    loops, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                loops.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(known):
        if node not in state:
            visit(node, [node])
    assert not loops, "import loops:\n" + "\n".join(loops)


def loaded_after(code: str, watched: tuple[str, ...]) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {watched!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout.split()


def test_the_onshore_service_loads_no_training_stack():
    code = ("import service\nfrom service import ServiceSettings, create_app\n"
            "from artifacts.signing import verify_bundle\n"
            "create_app(ServiceSettings(region='onshore-hn', bundle='b', decision_log='d.db', insecure_no_auth=True))")
    assert loaded_after(code, ("mlflow", "sklearn", "skl2onnx", "pandas", "scipy")) == []


def test_the_cli_loads_no_heavy_library_until_a_command_runs():
    assert loaded_after("import seawall.cli", (
        "mlflow", "sklearn", "skl2onnx", "pandas", "pulumi", "model_signing", "onnxruntime",
        "fastapi", "scipy", "prometheus_client", "cryptography", "asyncio")) == []


def test_pyproject_declares_every_library_the_code_imports():
    """Every third-party import in the areas (at the top or inside a function) belongs to a
    distribution that pyproject.toml lists, so `pip install .` gives a working Seawall."""
    import re
    import tomllib
    from importlib.metadata import packages_distributions

    declared = {re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].lower().replace("_", "-")
                for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
                ["dependencies"]}
    owners = packages_distributions()
    stdlib = sys.stdlib_module_names
    missing = set()
    for path in sources():
        for imported in imports(path, top_level_only=False):
            top = imported.split(".")[0]
            if top in stdlib or top in AREAS or top == "__future__":
                continue
            dists = {d.lower().replace("_", "-") for d in owners.get(top, [top])}
            if not dists & declared:
                missing.add(f"{top} ({', '.join(sorted(dists))}) in {path.relative_to(ROOT)}")
    assert not missing, "imported but not declared in pyproject.toml:\n" + "\n".join(
        sorted(missing))


def test_verify_loads_no_training_stack_and_import_no_estimators():
    """`seawall verify` needs model-signing and onnxruntime only; `seawall import` also opens
    the region's MLflow registry (which brings pandas and scipy), never scikit-learn."""
    verify = ("from seawall.commands import verify\n"
              "from artifacts.signing import verify_bundle, open_verified")
    assert loaded_after(verify, ("mlflow", "sklearn", "skl2onnx", "pandas", "scipy")) == []
    importing = "from artifacts.registry import import_bundle, MlflowRegistry"
    assert loaded_after(importing, ("sklearn", "skl2onnx")) == []
