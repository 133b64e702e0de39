"""SelectionRun: draw, publish (commit-reveal), store, and re-verify a cap selection."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from talentvisa.lottery.registrations import (
    Pool,
    identity_conflicts,
    list_hash,
    normalize,
    resolve,
)
from talentvisa.lottery.rules import SelectionRule, rule_for
from talentvisa.lottery.select import (
    ALGORITHM,
    ALGORITHM_V1,
    ALGORITHMS,
    raw_stream,
    select,
    unit_keys,
)

Cap = Literal["regular", "advanced"]
SELECTED_COLUMNS = ["round", "cap", "order", "registration_id", "employer_id"]


def new_seed() -> bytes:
    return secrets.token_bytes(32)


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


@dataclass(frozen=True)
class RoundSpec:
    cap: Cap
    target: int

    def __post_init__(self) -> None:
        if self.cap not in ("regular", "advanced"):
            raise ValueError(f"cap must be regular or advanced, not {self.cap!r}")
        if self.target < 0:
            raise ValueError("a round's selection target must not be negative")


@dataclass(frozen=True)
class RoundResult:
    round: int
    cap: Cap
    target: int
    pool: int
    selected: int


@dataclass
class SelectionRun:
    season: int
    rule: SelectionRule
    seed: bytes
    registrations: pl.DataFrame  # normalized
    pool: Pool
    rounds: list[RoundResult] = field(default_factory=list)
    chosen: list[np.ndarray] = field(default_factory=list)  # unit indices per round
    algorithm: str = ALGORITHM

    # --- units ---------------------------------------------------------------------

    @cached_property
    def units(self) -> pl.DataFrame:
        """Beneficiaries, or valid registrations for the registration-based variant."""
        if self.rule.beneficiary_centric:
            return self.pool.beneficiaries
        return self.pool.valid.sort("registration_id").select(
            pl.col("registration_id").alias("unit"),
            pl.col("wage_level").alias("level"),
            pl.col("us_advanced_degree").alias("advanced"),
        )

    @cached_property
    def weights(self) -> np.ndarray:
        levels = self.units["level"].to_numpy()
        table = np.zeros(5, dtype=np.int64)
        for level, w in self.rule.weights.items():
            table[level] = w
        weights: np.ndarray = table[levels]
        return weights

    # --- drawing -------------------------------------------------------------------

    def run_round(self, spec: RoundSpec) -> RoundResult:
        units = self.units
        n = units.height
        taken = np.zeros(n, dtype=bool)
        for c in self.chosen:
            taken[c] = True
        eligible = ~taken
        if spec.cap == "advanced":
            eligible &= units["advanced"].to_numpy()
        pool = np.flatnonzero(eligible)
        number = len(self.rounds) + 1
        keys = unit_keys(raw_stream(self.seed, number, n, self.algorithm), self.weights)
        chosen = select(keys, pool, spec.target)
        self.chosen.append(chosen)
        result = RoundResult(number, spec.cap, spec.target, int(pool.size), int(chosen.size))
        self.rounds.append(result)
        return result

    # --- outputs -------------------------------------------------------------------

    def selected(self) -> pl.DataFrame:
        """Every selected registration, by round and selection order."""
        unit_col = "beneficiary" if self.rule.beneficiary_centric else "registration_id"
        names = self.units.get_column("beneficiary" if self.rule.beneficiary_centric else "unit")
        frames = []
        for result, chosen in zip(self.rounds, self.chosen, strict=True):
            frames.append(
                pl.DataFrame(
                    {
                        "round": np.full(chosen.size, result.round, dtype=np.int64),
                        # Typed: an empty round (target 0) would otherwise make a Null column.
                        "cap": pl.Series([result.cap] * chosen.size, dtype=pl.Utf8),
                        "order": np.arange(1, chosen.size + 1, dtype=np.int64),
                        unit_col: names.gather(chosen),
                    }
                )
            )
        if not frames:
            return pl.DataFrame(schema={c: pl.Utf8 for c in SELECTED_COLUMNS})
        picks = pl.concat(frames)
        regs = self.pool.valid.select(*dict.fromkeys([unit_col, "registration_id", "employer_id"]))
        return (
            picks.join(regs, on=unit_col, how="left")
            .select(SELECTED_COLUMNS)
            .sort("round", "order", "registration_id")
        )

    def selected_csv(self) -> bytes:
        buf = io.BytesIO()
        self.selected().write_csv(buf, line_terminator="\n", quote_style="necessary")
        return buf.getvalue()

    def status_of(self) -> dict[str, str]:
        """registration_id -> selected | not_selected | invalid_duplicate."""
        chosen = set(self.selected()["registration_id"].to_list())
        out = {}
        for rid, status in self.pool.registrations.select("registration_id", "status").iter_rows():
            out[rid] = (
                status if status != "valid" else ("selected" if rid in chosen else "not_selected")
            )
        return out

    def reveal(self) -> dict[str, Any]:
        regs = self.pool.registrations
        out: dict[str, Any] = {
            "algorithm": self.algorithm,
            "season": f"FY{self.season}",
            "variant": self.rule.variant.value,
            "weights": {str(k): v for k, v in sorted(self.rule.weights.items())},
            "rule_sources": list(self.rule.sources),
            "seed": self.seed.hex(),
            "commitment": commitment(self.seed),
            "registrations_sha256": list_hash(self.registrations),
            "registrations": regs.height,
            "invalid_duplicates": int((regs["status"] == "invalid_duplicate").sum()),
            "units": self.units.height,
            "rounds": [r.__dict__ for r in self.rounds],
            "selected_sha256": hashlib.sha256(self.selected_csv()).hexdigest(),
        }
        if self.algorithm != ALGORITHM_V1:
            # A count only: which passports disagree is personal data, for officers alone.
            out["identity_conflicts"] = len(identity_conflicts(self.registrations))
        return out


def draw(
    registrations: pl.DataFrame,
    season: int,
    seed: bytes,
    rounds: list[RoundSpec],
    on_round: Callable[[RoundResult], None] | None = None,
    algorithm: str = ALGORITHM,
) -> SelectionRun:
    """Run the selection. ``registrations`` may be raw (it is normalized here)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}")
    regs = (
        registrations
        if "beneficiary" in registrations.columns
        else normalize(registrations, algorithm=algorithm)
    )
    run = SelectionRun(season, rule_for(season), seed, regs, resolve(regs), algorithm=algorithm)
    for spec in rounds:
        result = run.run_round(spec)
        if on_round:
            on_round(result)
    return run


@dataclass(frozen=True)
class Verification:
    ok: bool
    problems: list[str]


def verify(
    registrations: pl.DataFrame,
    reveal: dict[str, Any],
    selected_csv: bytes,
    published_commitment: str | None = None,
) -> Verification:
    """Re-run a published selection and compare it byte for byte."""
    problems: list[str] = []
    algorithm = reveal.get("algorithm")
    if algorithm not in ALGORITHMS:
        return Verification(False, [f"unknown algorithm {algorithm!r}"])
    try:
        seed = bytes.fromhex(reveal["seed"])
    except (KeyError, ValueError):
        return Verification(False, ["reveal has no valid hex seed"])
    expected_commitment = published_commitment or reveal.get("commitment")
    if commitment(seed) != expected_commitment:
        problems.append(
            f"seed does not match the commitment: sha256(seed) = {commitment(seed)}, "
            f"published {expected_commitment}"
        )
    regs = (
        registrations
        if "beneficiary" in registrations.columns
        else normalize(registrations, algorithm=algorithm)
    )
    if list_hash(regs) != reveal.get("registrations_sha256"):
        problems.append(
            f"registration list differs from the one published: sha256 {list_hash(regs)} "
            f"!= {reveal.get('registrations_sha256')}"
        )
    season = int(str(reveal["season"]).removeprefix("FY"))
    specs = [RoundSpec(r["cap"], int(r["target"])) for r in reveal["rounds"]]
    rerun = draw(regs, season, seed, specs, algorithm=algorithm)
    if rerun.rule.variant.value != reveal.get("variant"):
        problems.append(f"variant {reveal.get('variant')!r} is not the rule for FY{season}")
    expected = rerun.selected_csv()
    if expected != selected_csv:
        problems.append(first_difference(expected, selected_csv))
    return Verification(not problems, problems)


def first_difference(expected: bytes, actual: bytes) -> str:
    exp_lines = expected.decode("utf-8").split("\n")
    act_lines = actual.decode("utf-8", errors="replace").split("\n")
    for i, (e, a) in enumerate(zip(exp_lines, act_lines, strict=False), start=1):
        if e != a:
            return f"selection list differs at line {i}: expected {e!r}, found {a!r}"
    return (
        f"selection list differs in length: expected {len(exp_lines)} lines, found {len(act_lines)}"
    )


class RunStore:
    """A run kept as plain files, so any past run can be re-verified by anyone.

    ``registrations.csv`` (canonical encoding), ``reveal.json`` and ``selected.csv``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, run: SelectionRun, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=False)
        from talentvisa.lottery.registrations import canonical_bytes

        (folder / "registrations.csv").write_bytes(canonical_bytes(run.registrations))
        (folder / "selected.csv").write_bytes(run.selected_csv())
        (folder / "reveal.json").write_text(json.dumps(run.reveal(), indent=2) + "\n", "utf-8")
        return folder

    def verify(self, name: str) -> Verification:
        folder = self.root / name
        regs = pl.read_csv(folder / "registrations.csv", infer_schema_length=0)
        reveal = json.loads((folder / "reveal.json").read_text("utf-8"))
        return verify(regs, reveal, (folder / "selected.csv").read_bytes())
