"""Plan a stack without an engine: run the program under Pulumi's mocks and keep what it asked for.

This is Pulumi's documented unit-testing path (`pulumi.runtime.set_mocks`): every resource
registration reaches our `Mocks`, which records its type, URN and inputs and echoes them as
state. Nothing is created anywhere; a real `pulumi up` sends the same inputs to the providers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

from infra.program import build_stack
from infra.stack_config import StackConfig

PROJECT = "seawall"
_RENDER_KUBECONFIG = "render: not a cluster"  # the provider is planned, never contacted


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    props: dict[str, Any]

    @property
    def parents(self) -> list[str]:
        """Component types this resource sits under, outermost first (from its URN)."""
        return self.urn.split("::")[2].split("$")[:-1]


@dataclass
class Plan:
    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def kubernetes_objects(self) -> list[dict[str, Any]]:
        """The Kubernetes objects the stack applies, in registration order."""
        return [r.props for r in self.resources
                if r.type.startswith("kubernetes:") and "apiVersion" in r.props]


class RecordingMocks(pulumi.runtime.Mocks):
    """Echo every resource's inputs as its state, so the monitor records what was asked for; a
    StackReference reads the outputs of the referenced stack as planned (`references`)."""

    def __init__(self, references: dict[str, dict[str, Any]] | None = None) -> None:
        self.references = references or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs.get("name", args.name)
            return name, {"name": name, "outputs": self.references.get(name, {}),
                          "secretOutputNames": []}
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}


def plan_stack(config: StackConfig) -> Plan:
    """Run `build_stack(config)` under mocks for the stack named after the region. A DR
    replica's StackReference reads the primary's outputs: its stack file beside this one,
    planned first, exactly as it would be deployed."""
    references = {}
    db = config.decision_log
    if db is not None and db.replica:
        from infra.rendering import load_stack

        stack = db.primary_stack.rsplit("/", 1)[-1]
        primary = load_stack(stack, Path(config.source).resolve().parent)
        references[db.primary_stack] = plan_stack(primary).outputs
    _ensure_event_loop()
    monitor = MockMonitor(RecordingMocks(references))
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=config.region.name,
                             preview=False, monitor=monitor)
    plan = Plan(stack=config.region.name)

    def program() -> pulumi.Output:
        outputs = build_stack(config, pulumi.Output.secret(_RENDER_KUBECONFIG))
        return pulumi.Output.all(**outputs).apply(plan.outputs.update)

    pulumi.runtime.test(program)()
    for urn, registration in monitor.get_registered_resources().items():
        type_ = urn.split("::")[2].split("$")[-1]
        plan.resources.append(PlannedResource(urn=urn, type=type_, name=urn.split("::")[-1],
                                              props=_whole_numbers(registration.state)))
    return plan


def _ensure_event_loop() -> None:
    """Pulumi's mocks register resources on the thread's current event loop; after an
    `asyncio.run` elsewhere in the process (a test, a command) there is none, so set one."""
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def _whole_numbers(value: Any) -> Any:
    """Undo the protobuf round trip, which turns every number into a float (2 -> 2.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value
