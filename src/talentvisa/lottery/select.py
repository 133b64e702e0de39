"""The selection algorithm, specified so that another implementation can reproduce it.

Algorithm ``talentvisa-select/1``
---------------------------------
Units are beneficiaries (beneficiary-centric variants) or registrations (registration-based),
sorted by their canonical key (``COUNTRY:PASSPORT`` or ``registration_id``, UTF-8 byte order);
unit *i* has weight ``w_i`` in 1..4 (its number of entries).

Random stream, per round *r* (1, 2, ...): Philox4x64-10 (Random123) with counter 0 and the
128-bit key made of the first 16 bytes of ``SHA-256(seed || "talentvisa-select/1" || r)``
(*r* as 4 big-endian bytes), read as two little-endian uint64 words. Its raw 64-bit outputs
``x_0, x_1, ...`` are NumPy's ``Philox(key=...).random_raw()``.

Unit *i* owns outputs ``x_{4i} .. x_{4i+3}``; entry *j* < ``w_i`` of unit *i* gets ``x_{4i+j}``.
Ordering every entry by its value, largest first, is a uniformly random order of all entries.
Walking that order and skipping units already chosen is exactly "draw entries one at a time,
without replacement, skipping beneficiaries already selected", which is sampling units without
replacement with probability proportional to their weight. The walk reaches unit *i* first at
its largest entry, so the same selection is obtained by giving each unit the key
``k_i = max(x_{4i} .. x_{4i+w_i-1})`` and taking the units with the largest keys, in
decreasing key order (ties, which need equal 64-bit values, go to the lower canonical index).
Only integer comparisons are involved, so the result is exact and platform-independent.

Algorithm ``talentvisa-select/2``
---------------------------------
The same draw, with the algorithm's name in the stream key, over units defined as follows:
passport countries are ISO 3166-1 alpha-2 (``IND`` and ``IN`` are one country), and the
registrations of one passport may disagree on name, date of birth or degree flag; such a
beneficiary is still one unit, at the lowest wage level among its registrations, counted in
the advanced round only if every registration says US advanced degree (docs/h1b.md).
Reveals of ``talentvisa-select/1`` (alpha-3 codes kept as written, conflicting identity
refused) still verify under the first definition.

A round with target *t* over a pool of *n* units selects all *n* when *n* <= *t*; otherwise the
*t* pool units with the largest keys. Cost: O(n) for keys and partitioning, O(t log t) to
order the selected units.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

ALGORITHM_V1 = "talentvisa-select/1"
ALGORITHM = "talentvisa-select/2"
ALGORITHMS = (ALGORITHM_V1, ALGORITHM)
ENTRIES_PER_UNIT = 4


def round_key(seed: bytes, round_no: int, algorithm: str = ALGORITHM) -> np.ndarray:
    digest = hashlib.sha256(seed + algorithm.encode() + round_no.to_bytes(4, "big")).digest()
    return np.frombuffer(digest[:16], dtype="<u8").copy()


def raw_stream(seed: bytes, round_no: int, n_units: int, algorithm: str = ALGORITHM) -> np.ndarray:
    gen = np.random.Philox(key=round_key(seed, round_no, algorithm))
    raw: np.ndarray = gen.random_raw(n_units * ENTRIES_PER_UNIT)
    return raw.reshape(n_units, ENTRIES_PER_UNIT)


def unit_keys(raw: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """k_i = max of the first w_i entries of unit i (0 for w_i = 0)."""
    cols = np.arange(ENTRIES_PER_UNIT)
    masked = np.where(cols[None, :] < weights[:, None], raw, np.uint64(0))
    keys: np.ndarray = masked.max(axis=1)
    return keys


def select(keys: np.ndarray, pool: np.ndarray, target: int) -> np.ndarray:
    """Indices (into the unit list) of the selected pool units, in selection order."""
    if target <= 0 or pool.size == 0:
        return np.empty(0, dtype=np.int64)
    pool_keys = keys[pool]
    if pool.size > target:
        # argpartition then a full ordering of only the chosen part: O(n + t log t).
        top = np.argpartition(pool_keys, pool.size - target)[pool.size - target :]
    else:
        top = np.arange(pool.size)
    # Largest key first; on an exact tie the lower canonical index first.
    order = np.lexsort((pool[top], ~pool_keys[top]))
    chosen: np.ndarray = pool[top][order].astype(np.int64)
    return chosen


def select_by_walking_entries(
    raw: np.ndarray, weights: Sequence[int], pool: Sequence[int], target: int
) -> list[int]:
    """The rule as written, in plain Python: order every entry, walk, skip chosen units.

    It is the reference that the vectorized :func:`select` must match exactly, and the
    baseline of the benchmark.
    """
    in_pool = set(pool)
    entries = [(int(raw[i, j]), -i, i) for i in in_pool for j in range(weights[i])]
    entries.sort(reverse=True)
    chosen: list[int] = []
    seen: set[int] = set()
    for _, _, unit in entries:
        if len(chosen) >= target:
            break
        if unit not in seen:
            seen.add(unit)
            chosen.append(unit)
    return chosen
