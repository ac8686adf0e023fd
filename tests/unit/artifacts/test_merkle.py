"""RFC 6962 Merkle trees: the published Certificate Transparency vectors, and every inclusion
and consistency proof in trees of many shapes verifies, while any change to one does not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts.ledger.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# RFC 6962 test data (certificate-transparency): leaves and the tree heads of sizes 0..8.
CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                                        "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [leaf_hash(d) for d in CT_LEAVES]


@pytest.mark.parametrize("size", range(9))
def test_tree_heads_match_rfc_6962(size):
    assert root(HASHES[:size]).hex() == CT_ROOTS[size]
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]


def test_a_compact_range_grows_through_the_published_tree_heads():
    tree = CompactRange()
    assert tree.root().hex() == CT_ROOTS[0]
    for size, leaf in enumerate(HASHES, start=1):
        tree.append(leaf)
        assert (tree.size, tree.root().hex()) == (size, CT_ROOTS[size])


@settings(max_examples=100, deadline=None)
@given(leaves=st.lists(st.binary(min_size=1, max_size=8), max_size=300))
def test_a_compact_range_has_the_root_of_the_whole_tree_at_every_size(leaves):
    hashes, tree = [leaf_hash(x) for x in leaves], CompactRange()
    for size, h in enumerate(hashes, start=1):
        tree.append(h)
        if size % 17 == 0 or size == len(hashes):
            assert tree.root() == root(hashes[:size])
    assert len(tree._roots) == bin(len(hashes)).count("1")  # O(log n): one per set bit


def test_the_published_inclusion_path_of_leaf_0_in_8():
    proof = inclusion_proof(0, HASHES)
    assert [p.hex() for p in proof] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]
    assert verify_inclusion(0, 8, HASHES[0], proof, bytes.fromhex(CT_ROOTS[8]))


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@pytest.mark.parametrize("size", range(1, 34))
def test_every_inclusion_proof_verifies_and_a_changed_one_does_not(size):
    tree = leaves(size)
    head = root(tree)
    for i in range(size):
        proof = inclusion_proof(i, tree)
        assert verify_inclusion(i, size, tree[i], proof, head)
        assert not verify_inclusion(i, size, leaf_hash(b"forged"), proof, head)
        if proof:
            assert not verify_inclusion(i, size, tree[i], proof[:-1], head)
            assert not verify_inclusion(i, size, tree[i], [leaf_hash(b"x"), *proof[1:]], head)
        if size > 1:
            assert not verify_inclusion((i + 1) % size, size, tree[i], proof, head)


@pytest.mark.parametrize("size", range(1, 34))
def test_every_consistency_proof_verifies_and_a_rewritten_prefix_does_not(size):
    tree = leaves(size)
    head = root(tree)
    for first in range(size + 1):
        proof = consistency_proof(first, tree)
        assert verify_consistency(first, size, root(tree[:first]), head, proof)
        if 0 < first < size:
            rewritten = [leaf_hash(b"rewritten"), *tree[1:first]]
            assert not verify_consistency(first, size, root(rewritten), head, proof)
            assert not verify_consistency(first, size, root(tree[:first]), head, proof[:-1])
            # (size and root are only bound together: a checkpoint signs both)


@settings(max_examples=200, deadline=None)
@given(size=st.integers(2, 300), data=st.data())
def test_a_truncated_log_is_never_consistent_with_an_earlier_head(size, data):
    """What an auditor checks: a later log of fewer leaves, or one whose prefix changed, cannot
    produce a proof that passes against the head they kept."""
    tree = leaves(size)
    first = data.draw(st.integers(1, size - 1))
    kept = root(tree[:first])
    changed_at = data.draw(st.integers(0, first - 1))
    later = [*tree[:changed_at], leaf_hash(b"rewritten"), *tree[changed_at + 1:]]
    assert not verify_consistency(first, size, kept, root(later),
                                  consistency_proof(first, later))
