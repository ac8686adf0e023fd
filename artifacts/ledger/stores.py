"""Where the chain lives: the `DecisionStore` protocol, its backends chosen by URL, and an
in-memory store for the tests of the layers above.

Backends: SQLite in WAL mode (embedded default), PostgreSQL (production), memory (tests). Appends
from several processes serialise on the store's write lock, so workers share one chain.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Protocol

from artifacts.errors import LedgerError
from artifacts.ledger.companions import PURGE_CHUNK, feature_rows
from artifacts.ledger.period import PeriodSummary, summarise
from artifacts.ledger.records import (
    GENESIS,
    Decision,
    LoggedDecision,
    by_request,
    chain,
    drop_logged,
)
from regions import SecretError, resolve_secret


class DecisionStore(Protocol):
    """Where the chain lives. `append` is one transaction under the store's write lock."""

    location: str  # for messages: never carries a password

    def append(self, decisions: list[Decision], features: list[str | None] | None = None
               ) -> list[LoggedDecision]:
        """Chain `decisions`; `features` (aligned with them) are the values kept beside."""
        ...

    def append_once(self, decisions: list[Decision], features: list[str | None] | None = None,
                    once: Collection[str] = ()
                    ) -> tuple[list[LoggedDecision], dict[str, list[LoggedDecision]]]:
        """`append`, except the decisions of requests named in `once` that are already logged:
        (what was appended, the logged records of those requests), in one transaction."""
        ...

    def records(self, after: int = 0) -> Iterator[LoggedDecision]: ...  # seq > after, in order

    def summary(self, model_name: str, start: str, end: str) -> PeriodSummary:
        """`model_name`'s decisions with `start <= decided_at < end`, from the index."""
        ...

    def scores(self, model_name: str, version: str, role: str, start: str, end: str
               ) -> list[tuple[str, float, str | None]]:
        """(decided_at, probability, application_id) of one version and role over
        [start, end), in time order, from the same index."""
        ...

    def application_ids(self, model_name: str) -> set[str]:
        """Every application id `model_name` has decided on (outcomes are matched to them)."""
        ...

    def features(self, model_name: str, version: str, role: str, start: str, end: str
                 ) -> list[str]:
        """The kept feature values (JSON arrays, contract order) of one version and role over
        [start, end), in time order."""
        ...

    def purge_features(self, before: str, chunks: int | None = None) -> int:
        """Delete the feature values of decisions made before `before`, at most `chunks`
        chunks of `companions.PURGE_CHUNK` rows (None: all); how many."""
        ...

    def add_document(self, kind: str, model_name: str, start: str, end: str, created_at: str,
                     body: str) -> None: ...

    def documents(self, kind: str, model_name: str, start: str, end: str) -> list[str]:
        """The bodies of `kind` documents whose period starts in [start, end), oldest first."""
        ...

    def close(self) -> None: ...


def redact(url: str) -> str:
    """The URL without its password (user and host stay, for the operator to recognise)."""
    return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", url)


def resolve_url(url: str) -> str:
    """A `secret:<name>` URL read from the secret store ($SEAWALL_SECRETS); others unchanged.

    A URL with a password lives in the secret store, not in config or the environment."""
    if not url.startswith("secret:"):
        return url
    try:
        return resolve_secret(url)
    except SecretError as e:
        raise LedgerError(f"decision log: {e}") from None


def open_store(url: str, *, read_only: bool = False) -> DecisionStore:
    """`postgresql://…` for PostgreSQL; `sqlite:///path`, or a plain path, for SQLite;
    `secret:<name>` for either, read from the secret store ($SEAWALL_SECRETS) when opened.

    `read_only`: for auditing. The log must already exist; nothing is created, migrated or
    switched (no schema script, no WAL switch), and the store refuses to append."""
    return open_resolved_store(resolve_url(url), read_only=read_only)


def open_resolved_store(url: str, *, read_only: bool = False) -> DecisionStore:
    """`open_store` for a URL that is not a `secret:` reference."""
    if url.startswith(("postgresql://", "postgres://")):
        from artifacts.ledger.postgres_store import PostgresStore

        return PostgresStore(url, read_only=read_only)
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
    if "://" in path:
        raise LedgerError(f"decision log {url.split('://')[0]}://…: unsupported; use a "
                          "SQLite path or a postgresql:// URL")
    from artifacts.ledger.sqlite_store import SqliteStore

    return SqliteStore(Path(path), read_only=read_only)


class InMemoryStore:
    """A chain in a list: the same contract as the real stores, for tests of the layers above
    (a fake shipped with the package, as httpx ships MockTransport)."""

    location = "memory://"

    def __init__(self) -> None:
        self.logged: list[LoggedDecision] = []
        self.kept: dict[int, tuple[str, str]] = {}  # seq -> (decided_at, values)
        self.docs: list[tuple[str, ...]] = []

    def append(self, decisions: list[Decision], features: list[str | None] | None = None
               ) -> list[LoggedDecision]:
        return self.append_once(decisions, features)[0]

    def append_once(self, decisions: list[Decision], features: list[str | None] | None = None,
                    once: Collection[str] = ()
                    ) -> tuple[list[LoggedDecision], dict[str, list[LoggedDecision]]]:
        wanted = set(once)
        logged = by_request([r for r in self.logged if r.decision.request_id in wanted])
        decisions, features = drop_logged(decisions, features, logged)
        head = self.logged[-1] if self.logged else None
        linked = chain(decisions, head.seq if head else 0, head.hash if head else GENESIS)
        self.logged.extend(linked)
        self.kept |= {seq: (t, f) for seq, t, f in feature_rows(linked, features)}
        return linked, logged

    def features(self, model_name: str, version: str, role: str, start: str, end: str
                 ) -> list[str]:
        return [self.kept[r.seq][1] for r in sorted(self.logged, key=lambda r:
                                                    r.decision.decided_at)
                if r.seq in self.kept and (r.decision.model_name, r.decision.model_version,
                                           r.decision.role) == (model_name, version, role)
                and start <= r.decision.decided_at < end]

    def purge_features(self, before: str, chunks: int | None = None) -> int:
        expired = [seq for seq, (t, _) in self.kept.items() if t < before]
        if chunks is not None:
            expired = sorted(expired)[:chunks * PURGE_CHUNK]
        for seq in expired:
            del self.kept[seq]
        return len(expired)

    def add_document(self, kind: str, model_name: str, start: str, end: str, created_at: str,
                     body: str) -> None:
        self.docs.append((kind, model_name, start, end, created_at, body))

    def documents(self, kind: str, model_name: str, start: str, end: str) -> list[str]:
        return [d[5] for d in sorted(self.docs, key=lambda d: d[2])
                if d[:2] == (kind, model_name) and start <= d[2] < end]

    def records(self, after: int = 0) -> Iterator[LoggedDecision]:
        return iter([r for r in self.logged if r.seq > after])

    def summary(self, model_name: str, start: str, end: str) -> PeriodSummary:
        groups: dict[tuple[str, str], list[int]] = {}
        for r in self.logged:
            d = r.decision
            if d.model_name == model_name and start <= d.decided_at < end:
                groups.setdefault((d.model_version, d.role), []).append(r.seq)
        rows = [(v, role, len(s), min(s), max(s)) for (v, role), s in sorted(groups.items())]
        by_seq = {r.seq: (r.seq, r.hash, r.decision.decided_at) for r in self.logged}
        head = by_seq[self.logged[-1].seq] if self.logged else None
        times = [r.decision.decided_at for r in self.logged if r.decision.model_name == model_name]
        span = (min(times), max(times)) if times else None
        return summarise(model_name, start, end, rows, by_seq.get, head, span)

    def scores(self, model_name: str, version: str, role: str, start: str, end: str
               ) -> list[tuple[str, float, str | None]]:
        return [(d.decided_at, d.probability, d.application_id)
                for d in sorted((r.decision for r in self.logged), key=lambda d: d.decided_at)
                if (d.model_name, d.model_version, d.role) == (model_name, version, role)
                and start <= d.decided_at < end]

    def application_ids(self, model_name: str) -> set[str]:
        return {r.decision.application_id for r in self.logged
                if r.decision.model_name == model_name and r.decision.application_id}

    def close(self) -> None:
        pass
