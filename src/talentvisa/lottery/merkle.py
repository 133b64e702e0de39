"""A SHA-256 Merkle tree over the bulletin's canonical rows, as in RFC 9162 section 2.1.

Tree ``talentvisa-merkle/1`` (the RFC 6962/9162 Merkle Tree Hash, unchanged):

* leaf hash ``SHA-256(0x00 || row)``, interior node hash ``SHA-256(0x01 || left || right)``;
  the distinct prefixes keep a leaf from ever being taken for a node (second-preimage attacks);
* the root of no rows is ``SHA-256("")``; of one row, its leaf hash; of *n* > 1 rows, the node
  hash of the root of the first *k* rows and the root of the rest, *k* being the largest power of
  two smaller than *n*. Built bottom-up, that is: pair neighbours level by level and carry an
  unpaired last node up unchanged (never duplicated, unlike Bitcoin's tree).

An inclusion proof of row *m* is RFC 9162's audit path: the sibling hashes from the leaf up.
:func:`verify_inclusion` is RFC 9162 section 2.1.3.2's algorithm, written independently of the
builder so that each checks the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

SCHEME = "talentvisa-merkle/1"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(row: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + row).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleTree:
    """All levels of the tree, so that every proof is a walk up without rehashing."""

    def __init__(self, rows: Sequence[bytes]) -> None:
        # leaf_hash and node_hash inlined: a national tree is a million hashes, and the calls
        # cost as much as the hashing.
        sha = hashlib.sha256
        level = [sha(b"\x00" + r).digest() for r in rows]
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            pairs = zip(level[0::2], level[1::2], strict=False)
            nxt = [sha(b"\x01" + left + right).digest() for left, right in pairs]
            if len(level) % 2:
                nxt.append(level[-1])
            self.levels.append(nxt)
            level = nxt

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.levels[-1][0] if self.size else EMPTY_ROOT

    def proof(self, index: int) -> list[bytes]:
        if not 0 <= index < self.size:
            raise IndexError(f"row {index} is not in a tree of {self.size} rows")
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index //= 2
        return path


def verify_inclusion(row: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: does ``path`` lead from ``row`` at ``index`` to ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash(row)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root
