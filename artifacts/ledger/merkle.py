"""RFC 6962 Merkle trees over the ledger: tree heads, inclusion and consistency proofs.

The leaves are the chain's record hashes in `seq` order (`leaf_hash(bytes.fromhex(hash))`), so
logs written before the tree existed have one too. Hashes follow RFC 6962 §2.1 (leaf prefix
0x00, node prefix 0x01, the split at the largest power of two below n); proofs are built as
§2.1.1-2.1.2 say and checked with the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2, so any
Certificate Transparency verifier agrees with them. Tested against the published test vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves: Sequence[bytes], lo: int = 0, hi: int | None = None) -> bytes:
    """MTH of the leaf hashes `leaves[lo:hi]`."""
    hi = len(leaves) if hi is None else hi
    if hi == lo:
        return EMPTY_ROOT
    if hi - lo == 1:
        return leaves[lo]
    k = lo + _split(hi - lo)
    return node_hash(root(leaves, lo, k), root(leaves, k, hi))


class CompactRange:
    """A growing tree kept as the roots of its perfect subtrees, largest first: enough to add a
    leaf and compute the head in O(log n) memory (the compact ranges of transparency-dev), so a
    service can sign checkpoints of a log without holding its leaves."""

    def __init__(self) -> None:
        self.size = 0
        self._roots: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        node, size = leaf, self.size
        while size & 1:  # each trailing one bit is a perfect subtree this leaf completes
            node = node_hash(self._roots.pop(), node)
            size >>= 1
        self._roots.append(node)
        self.size += 1

    def root(self) -> bytes:
        """MTH of the leaves so far: RFC 6962's split at the largest power of two puts the
        largest perfect subtree on the left, then the rest, recursively."""
        if not self._roots:
            return EMPTY_ROOT
        node = self._roots[-1]
        for left in reversed(self._roots[:-1]):
            node = node_hash(left, node)
        return node


def inclusion_proof(index: int, leaves: Sequence[bytes], size: int | None = None) -> list[bytes]:
    """PATH(index, D[:size]): the audit path proving leaf `index` is in the tree of `size`."""
    size = len(leaves) if size is None else size
    if not 0 <= index < size <= len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    return _path(index, leaves, 0, size)


def consistency_proof(first: int, leaves: Sequence[bytes], size: int | None = None
                      ) -> list[bytes]:
    """PROOF(first, D[:size]): that the tree of `first` leaves is a prefix of the tree of
    `size`."""
    size = len(leaves) if size is None else size
    if not 0 <= first <= size <= len(leaves):
        raise ValueError(f"no consistency proof from {first} to {size} leaves")
    if first in (0, size):
        return []
    return _subproof(first, leaves, 0, size, True)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(first: int, size: int, first_root: bytes, root_hash: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2; a tree is consistent with itself and the empty tree with any."""
    if first == size:
        return not proof and first_root == root_hash
    if first == 0:
        return not proof
    if not 0 < first < size or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: its root is the first node
        path.insert(0, first_root)
    fn, sn = first - 1, size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == root_hash


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _path(index: int, leaves: Sequence[bytes], lo: int, hi: int) -> list[bytes]:
    if hi - lo == 1:
        return []
    k = lo + _split(hi - lo)
    if index < k:
        return [*_path(index, leaves, lo, k), root(leaves, k, hi)]
    return [*_path(index, leaves, k, hi), root(leaves, lo, k)]


def _subproof(m: int, leaves: Sequence[bytes], lo: int, hi: int, whole: bool) -> list[bytes]:
    if m == hi - lo:
        return [] if whole else [root(leaves, lo, hi)]
    k = _split(hi - lo)
    if m <= k:
        return [*_subproof(m, leaves, lo, lo + k, whole), root(leaves, lo + k, hi)]
    return [*_subproof(m - k, leaves, lo + k, hi, False), root(leaves, lo, lo + k)]
