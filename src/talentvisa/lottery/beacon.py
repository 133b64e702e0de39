"""A public randomness beacon mixed into the draw's seed, so that nobody can grind the list.

The agency commits to its secret (``SHA-256(secret)``) when the season is created, and names a
drand round whose time is after the planned close. The draw's seed is

    seed = SHA-256(secret || uint64_be(round) || randomness)

with ``randomness`` the 32 bytes drand published for that round. When the list is fixed (its
Merkle root published at the close) that value does not exist yet, so neither the agency nor
anyone else can pick registrations that the draw would favour; and because the secret was
committed before, the beacon's operators cannot steer the draw either.

A drand beacon is a BLS12-381 signature of the round by the network's threshold key, and its
randomness is ``SHA-256(signature)``; :func:`verify` checks both with ``py_ecc``:

* ``bls-unchained-g1-rfc9380`` (quicknet, every 3 s): signature in G1 over
  ``SHA-256(uint64_be(round))``, hashed to the curve with RFC 9380's
  ``BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_``; public key in G2;
* ``pedersen-bls-chained`` (the original League of Entropy chain, every 30 s): signature in G2
  over ``SHA-256(previous_signature || uint64_be(round))``, IETF BLS ``G2Basic``; key in G1.

The chains' parameters are pinned below: each chain's ``/info`` document
(``https://api.drand.sh/<chain hash>/info``) as recorded in public repositories, read 2026-12-07
(this machine cannot reach the relays); recorded rounds of both chains verify under these keys
in the tests. A beacon from another chain is refused rather than trusted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_typing import BLSPubkey, BLSSignature
from py_ecc.bls import G2Basic
from py_ecc.bls.hash_to_curve import hash_to_G1
from py_ecc.bls.point_compression import decompress_G1, decompress_G2
from py_ecc.bls.typing import G1Compressed, G2Compressed
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381 import G2, curve_order, final_exponentiate, is_inf, multiply, neg
from py_ecc.optimized_bls12_381 import pairing as _pairing

SEED_DERIVATION = "sha256(secret || uint64_be(round) || randomness)"
G1_DST = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"


class BeaconError(ValueError):
    pass


@dataclass(frozen=True)
class Chain:
    name: str
    hash: str
    scheme: str
    public_key: str
    genesis_time: int
    period: int

    def round_time(self, round_no: int) -> datetime:
        return datetime.fromtimestamp(self.genesis_time + (round_no - 1) * self.period, UTC)

    def first_round_after(self, moment: datetime) -> int:
        """The first round published strictly after ``moment``."""
        elapsed = int(moment.timestamp()) - self.genesis_time
        return max(1, elapsed // self.period + 2)

    def describe(self) -> dict[str, Any]:
        return {
            "chain": self.name,
            "chain_hash": self.hash,
            "scheme": self.scheme,
            "public_key": self.public_key,
            "genesis_time": self.genesis_time,
            "period": self.period,
        }


QUICKNET = Chain(
    "quicknet",
    "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    "bls-unchained-g1-rfc9380",
    "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510"
    "d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
    1692803367,
    3,
)
DEFAULT = Chain(
    "default",
    "8990e7a9aaed2ffed73dbd7092123d6f289930540d7651336225dc172e51b2ce",
    "pedersen-bls-chained",
    "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31",
    1595431050,
    30,
)
CHAINS = {c.name: c for c in (QUICKNET, DEFAULT)} | {c.hash: c for c in (QUICKNET, DEFAULT)}


def chain(name_or_hash: str) -> Chain:
    try:
        return CHAINS[name_or_hash.strip().lower()]
    except KeyError:
        raise BeaconError(
            f"beacon chain {name_or_hash!r} is not one whose key is pinned "
            f"(known: {', '.join(sorted({c.name for c in CHAINS.values()}))})"
        ) from None


@dataclass(frozen=True)
class BeaconValue:
    """One round as drand publishes it at ``/<chain hash>/public/<round>``."""

    round: int
    randomness: bytes
    signature: bytes
    previous_signature: bytes = b""

    @classmethod
    def from_json(cls, doc: Any) -> BeaconValue:
        if not isinstance(doc, dict):
            raise BeaconError("beacon: expected drand's JSON object with round and signature")
        if isinstance(doc.get("round"), int) and doc["round"] < 1:
            raise BeaconError(f"beacon: round {doc['round']} is not a drand round (1 or more)")
        try:
            return cls(
                int(doc["round"]),
                bytes.fromhex(doc["randomness"]),
                bytes.fromhex(doc["signature"]),
                bytes.fromhex(doc.get("previous_signature") or ""),
            )
        except KeyError as exc:
            raise BeaconError(f"beacon: field {exc.args[0]} is missing") from None
        except (TypeError, ValueError):
            raise BeaconError("beacon: round must be a number and the other fields hex") from None

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "round": self.round,
            "randomness": self.randomness.hex(),
            "signature": self.signature.hex(),
        }
        if self.previous_signature:
            doc["previous_signature"] = self.previous_signature.hex()
        return doc


def _g1_signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    if len(signature) != 48 or len(public_key) != 96:
        return False
    try:
        sig = decompress_G1(G1Compressed(int.from_bytes(signature, "big")))
        pk = decompress_G2(
            G2Compressed(
                (int.from_bytes(public_key[:48], "big"), int.from_bytes(public_key[48:], "big"))
            )
        )
    except ValueError:
        return False
    # A point off the prime-order subgroup would let a forger pass the pairing check.
    if is_inf(sig) or not is_inf(multiply(sig, curve_order)):
        return False
    h = hash_to_G1(message, G1_DST, hashlib.sha256)  # type: ignore[arg-type]
    # e(H(m), pk) == e(sig, g2), as one product of Miller loops and one final exponentiation.
    product = _pairing(pk, h, final_exponentiate=False) * _pairing(
        neg(G2), sig, final_exponentiate=False
    )
    return bool(final_exponentiate(product) == FQ12.one())


def signature_valid(ch: Chain, value: BeaconValue) -> bool:
    round_bytes = value.round.to_bytes(8, "big")
    key = bytes.fromhex(ch.public_key)
    if ch.scheme == "bls-unchained-g1-rfc9380":
        return _g1_signature_valid(key, hashlib.sha256(round_bytes).digest(), value.signature)
    message = hashlib.sha256(value.previous_signature + round_bytes).digest()
    try:
        return bool(G2Basic.Verify(BLSPubkey(key), message, BLSSignature(value.signature)))
    except (ValueError, AssertionError):
        return False


def verify(ch: Chain, value: BeaconValue, named_round: int) -> list[str]:
    """What is wrong with ``value`` as the beacon for ``named_round``, or nothing."""
    problems = []
    if value.round != named_round:
        problems.append(f"beacon round {value.round} is not the round named at the close")
    if hashlib.sha256(value.signature).digest() != value.randomness:
        problems.append(
            f"beacon randomness {value.randomness.hex()} is not sha256 of its signature "
            f"({hashlib.sha256(value.signature).hexdigest()})"
        )
    if not signature_valid(ch, value):
        problems.append(
            f"beacon signature for round {value.round} does not verify under the {ch.name} key"
        )
    return problems


def derive_seed(secret: bytes, value: BeaconValue) -> bytes:
    return hashlib.sha256(secret + value.round.to_bytes(8, "big") + value.randomness).digest()
