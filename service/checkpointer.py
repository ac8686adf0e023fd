"""The serving region signs checkpoints of its decision log, on its own, every few seconds.

A `Checkpointer` reads the records appended since its last look (read-only, through its own
connection), checks each link as `decisions verify` does, grows an RFC 6962 tree kept as a
compact range (O(log n) memory), and, when the log has grown, signs a C2SP checkpoint with the
region's key (a PEM file or an HSM key by `pkcs11:` URI) and publishes it atomically in its
directory: `<size>.note` for the record, `latest.note` for `/checkpoint`. An auditor fetches
`/checkpoint` (or copies the file) and later proves with `seawall decisions verify --checkpoint`
that the log still extends it.

Several workers may run one each: an exclusive lock on the directory lets one sign at a time,
and each note covers the whole shared chain, whoever wrote it. A broken chain is never signed
over: the checkpointer stops, logs the broken link and reports it as `problem`.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from artifacts.ledger import Checkpoint, open_store, origin_of, sign_checkpoint, write_atomically
from artifacts.ledger.merkle import CompactRange, leaf_hash
from artifacts.ledger.verify import ChainWalk
from artifacts.signing import open_signing_key
from regions import SeawallError

LATEST = "latest.note"
log = logging.getLogger("seawall.service")


class Checkpointer:
    def __init__(self, *, decision_log: str, region: str, key: str, directory: Path,
                 interval: float, on_signed=None) -> None:
        self.url, self.origin, self.directory = decision_log, origin_of(region), directory
        self.key = open_signing_key(key)
        # an unusable key, token or PIN is a start-up error, not a gap found at the first note
        self.key.sign(b"seawall checkpoint key check", ec.ECDSA(hashes.SHA256()))
        self.interval, self.on_signed = interval, on_signed
        self.tree, self.walk = CompactRange(), None
        self.signed_size = -1
        self.problem: str | None = None
        directory.mkdir(parents=True, exist_ok=True)

    def latest(self) -> str | None:
        try:
            return (self.directory / LATEST).read_text(encoding="utf-8")
        except OSError:
            return None

    def sign_now(self) -> str | None:
        """Catch up with the log and sign it if it grew; the note, or None if nothing was signed
        (no growth, another worker holds the lock, or the chain is broken)."""
        if self.problem is not None:
            return None
        with (self.directory / ".lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None  # another worker is signing the same chain
            self._catch_up()
            if self.problem is not None or self.tree.size == self.signed_size:
                return None
            checkpoint = Checkpoint(self.origin, self.tree.size, self.tree.root())
            note = sign_checkpoint(checkpoint, self.key)
            write_atomically(self.directory / f"{checkpoint.size}.note", note)
            write_atomically(self.directory / LATEST, note)
        self.signed_size = checkpoint.size
        if self.on_signed is not None:
            self.on_signed(checkpoint.size, time.time())
        return note

    def _catch_up(self) -> None:
        store = open_store(self.url, read_only=True)
        try:
            if self.walk is None:
                self.walk = ChainWalk(store.location)
            for record in store.records(after=self.walk.count):
                broken = self.walk.step(record)
                if broken is not None:
                    self.problem = f"the chain is broken at record {broken.broken_at}: " \
                                   f"{broken.reason}; no checkpoint is signed over it"
                    log.error("checkpoints stopped: %s", self.problem)
                    return
                self.tree.append(leaf_hash(bytes.fromhex(record.hash)))
        finally:
            store.close()

    async def run(self) -> None:
        """Sign every `interval` seconds until cancelled (the service signs its first note at
        start-up, before this starts); a failure is logged and retried."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self.sign_now)
            except (SeawallError, OSError) as e:
                log.error("checkpoint not signed: %s", e)

