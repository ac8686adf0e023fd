"""The model's monitoring files, rendered from its governed plan by `seawall monitor rules`
(Prometheus rules, Alertmanager routes, Grafana dashboard), read here as documents so the
serving stacks provision exactly what the plan says without importing `monitoring`.

The stack key `monitoringFiles` names the directory (relative to the project); by default the
embedded plan's rendering in `infra/monitoring/`, which a test keeps equal to a fresh
`seawall monitor rules`. The directory holds one model's three files. Each is checked for
the shape the stack relies on; a bad one is an error naming the file and what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from infra.errors import StackConfigError

EMBEDDED = Path(__file__).parent / "monitoring"
KEY = "monitoringFiles"


@dataclass(frozen=True)
class MonitoringFiles:
    model: str
    rule_groups: list[dict]  # the rules file's `groups`
    routes: str  # alertmanager.yml, as rendered
    dashboard: dict  # the Grafana dashboard JSON


def load_monitoring_files(directory: Path, source: str) -> MonitoringFiles:
    def fail(rule: str) -> StackConfigError:
        return StackConfigError(source, KEY, rule)

    rules = sorted(directory.glob("*-rules.yaml")) if directory.is_dir() else []
    if len(rules) != 1:
        raise fail(f"{directory}: must hold one model's files from `seawall monitor rules` "
                   f"(found {len(rules)} *-rules.yaml)")
    model = rules[0].name.removesuffix("-rules.yaml")
    routes_path = directory / f"{model}-alertmanager.yml"
    dashboard_path = directory / f"{model}-dashboard.json"
    try:
        groups = yaml.safe_load(rules[0].read_text(encoding="utf-8"))["groups"]
        routes = routes_path.read_text(encoding="utf-8")
        route = yaml.safe_load(routes)
        dashboard = json.loads(dashboard_path.read_text(encoding="utf-8"))
    except OSError as e:
        raise fail(f"{e.filename}: cannot be read ({e.strerror}); run `seawall monitor rules "
                   f"--out {directory}`") from None
    except (yaml.YAMLError, json.JSONDecodeError, TypeError, KeyError) as e:
        raise fail(f"{directory}: not the files `seawall monitor rules` writes ({e})") from None
    _check(groups, route, dashboard, directory, fail)
    return MonitoringFiles(model, groups, routes, dashboard)


def _check(groups, route, dashboard, directory: Path, fail) -> None:
    if not isinstance(groups, list) or not groups:
        raise fail(f"{directory}: the rules file has no groups")
    for group in groups:
        for rule in group.get("rules") or [None]:
            if not (isinstance(rule, dict) and rule.get("alert") and rule.get("expr")
                    and (rule.get("labels") or {}).get("severity") in ("P0", "P1", "P2")):
                raise fail(f"{directory}: group {group.get('name')!r}: every rule needs alert, "
                           "expr and a severity label P0, P1 or P2")
    if not (isinstance(route, dict) and isinstance(route.get("route"), dict)
            and route["route"].get("receiver") and route.get("receivers")):
        raise fail(f"{directory}: the Alertmanager file needs route.receiver and receivers")
    if not (isinstance(dashboard, dict) and dashboard.get("uid") and dashboard.get("panels")):
        raise fail(f"{directory}: the dashboard needs a uid and panels")
