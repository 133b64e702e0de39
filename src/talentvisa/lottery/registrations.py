"""Cap registrations: reading with line-numbered errors, canonical encoding, beneficiary dedupe.

Canonical encoding (what the published registration-list hash covers): the validated rows,
sorted by ``registration_id`` (byte order of UTF-8), columns in :data:`COLUMNS` order, RFC 4180
CSV with a header row, ``\\n`` line ends, quotes only where a field needs them, wage levels as
the digits 1-4, booleans as ``true``/``false``, passport country and number upper-case with
spaces and hyphens removed; under ``talentvisa-select/2`` the country is also its ISO 3166-1
alpha-2 code (``IND`` -> ``IN``, via pycountry). The hash is SHA-256 of those UTF-8 bytes.

Conflicting identity (one passport, different name, date of birth or degree flag):
``talentvisa-select/1`` refused the list; ``talentvisa-select/2`` keeps every row and
:func:`identity_conflicts` lists them for review (the rule is in docs/h1b.md).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from talentvisa.lottery.select import ALGORITHM, ALGORITHM_V1
from talentvisa.rules.codes import alpha2_table
from talentvisa.rules.conventions import BOOL_WORDS, DATE_WORDS, date_expr
from talentvisa.rules.conventions import BOOLS as CONVENTION_BOOLS

COLUMNS = [
    "registration_id",
    "employer_id",
    "passport_country",
    "passport_number",
    "family_name",
    "given_name",
    "date_of_birth",
    "wage_level",
    "soc_code",
    "worksite",
    "us_advanced_degree",
]
REQUIRED = [c for c in COLUMNS if c not in ("given_name",)]
LEVELS = {"1": 1, "2": 2, "3": 3, "4": 4, "I": 1, "II": 2, "III": 3, "IV": 4}
# the booleans and dates of every input file (rules/conventions.py)
BOOLS = CONVENTION_BOOLS
IDENTITY = ["family_name", "given_name", "date_of_birth", "us_advanced_degree"]
MAX_REPORTED = 25


class RegistrationError(ValueError):
    """Bad rows; each problem names its line (1 = the header) and field."""

    def __init__(self, problems: list[str], total: int | None = None) -> None:
        shown = problems[:MAX_REPORTED]
        more = (total or len(problems)) - len(shown)
        text = "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")
        super().__init__(text)
        self.problems = problems


@dataclass(frozen=True)
class Pool:
    """Validated registrations and the beneficiaries they resolve to.

    ``registrations``: one row per input row, with ``line``, ``beneficiary`` (canonical key),
    and ``status`` (``valid`` or ``invalid_duplicate``).
    ``beneficiaries``: one row per beneficiary with a valid registration, sorted by key, with
    ``level`` (the lowest wage level among their valid registrations) and ``advanced``.
    """

    registrations: pl.DataFrame
    beneficiaries: pl.DataFrame

    @property
    def valid(self) -> pl.DataFrame:
        return self.registrations.filter(pl.col("status") == "valid")


def read_csv(path: Path) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, infer_schema_length=0)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise RegistrationError([f"{path}: cannot read as CSV: {exc}"]) from None
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise RegistrationError([f"{path}:1: missing column(s): {', '.join(missing)}"])
    if "given_name" not in df.columns:
        df = df.with_columns(pl.lit("").alias("given_name"))
    return df.select(COLUMNS).with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("line")
    )


def _country(algorithm: str) -> pl.Expr:
    upper = pl.col("passport_country").str.to_uppercase()
    if algorithm == ALGORITHM_V1:
        return upper
    # Codes pycountry does not know (ICAO-only ones such as XXA) stay as written: they still
    # name one passport consistently, and refusing them here would block a whole season.
    return upper.replace(alpha2_table())


def normalize(
    raw: pl.DataFrame, source: str = "registrations", algorithm: str = ALGORITHM
) -> pl.DataFrame:
    """Validate and normalize rows; raise RegistrationError naming every bad line."""
    if "line" not in raw.columns:
        raw = raw.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("line"))
    text = [pl.col(c).cast(pl.Utf8).fill_null("").str.strip_chars().alias(c) for c in COLUMNS]
    df = raw.with_columns(text).with_columns(
        _country(algorithm),
        pl.col("passport_number").str.to_uppercase().str.replace_all(r"[\s-]", ""),
        pl.col("wage_level")
        .str.to_uppercase()
        .replace_strict(LEVELS, default=None, return_dtype=pl.Int8)
        .alias("level"),
        pl.col("us_advanced_degree")
        .str.to_lowercase()
        .replace_strict(BOOLS, default=None, return_dtype=pl.Boolean)
        .alias("advanced"),
        date_expr("date_of_birth").alias("dob"),
    )
    problems: list[tuple[int, str]] = []

    def report(mask: pl.Expr, message: str, field: str) -> None:
        bad = df.filter(mask)
        for line, value in bad.select("line", field).iter_rows():
            problems.append((line, f"{source}:{line}: {message.format(value=value)}"))

    for c in REQUIRED:
        report(pl.col(c) == "", f"{c} is missing", c)
    report(
        (pl.col("wage_level") != "") & pl.col("level").is_null(),
        "wage_level {value!r} is not one of I, II, III, IV",
        "wage_level",
    )
    report(
        (pl.col("us_advanced_degree") != "") & pl.col("advanced").is_null(),
        f"column 'us_advanced_degree': {{value!r}} is not {BOOL_WORDS}",
        "us_advanced_degree",
    )
    report(
        (pl.col("date_of_birth") != "") & pl.col("dob").is_null(),
        f"column 'date_of_birth': {{value!r}} is not {DATE_WORDS}",
        "date_of_birth",
    )
    report(
        (pl.col("passport_country") != "")
        & ~pl.col("passport_country").str.contains(r"^[A-Z]{2,3}$"),
        "passport_country {value!r} is not an ISO country code",
        "passport_country",
    )
    dup_ids = df.filter(
        pl.col("registration_id").is_duplicated() & (pl.col("registration_id") != "")
    )
    for rid, lines in dup_ids.group_by("registration_id").agg(pl.col("line").sort()).iter_rows():
        problems.append(
            (lines[1], f"{source}:{lines[1]}: registration_id {rid!r} repeats line {lines[0]}")
        )
    df = df.with_columns(
        (pl.col("passport_country") + ":" + pl.col("passport_number")).alias("beneficiary")
    )
    if not problems and algorithm == ALGORITHM_V1:
        for row in _conflicting(df).iter_rows(named=True):
            fields = [c for c in IDENTITY if row[c] > 1]
            lines = row["line"]
            problems.append(
                (
                    lines[1],
                    f"{source}:{lines[1]}: the same passport as line {lines[0]} with conflicting "
                    f"{', '.join(fields)} (lines {', '.join(map(str, lines))})",
                )
            )
    if problems:
        problems.sort()
        raise RegistrationError([p for _, p in problems])
    return df.with_columns(
        pl.col("level").alias("wage_level"),
        pl.col("advanced").alias("us_advanced_degree"),
    ).drop("level", "advanced", "dob")


def _conflicting(df: pl.DataFrame) -> pl.DataFrame:
    """Beneficiaries whose rows disagree on an identity field: line list and distinct counts."""
    return (
        df.group_by("beneficiary")
        .agg(pl.col("line").sort(), *[pl.col(c).n_unique().alias(c) for c in IDENTITY])
        .filter(pl.any_horizontal([pl.col(c) > 1 for c in IDENTITY]))
    )


def identity_conflicts(df: pl.DataFrame) -> dict[str, list[str]]:
    """Normalized rows -> {beneficiary: the identity fields its registrations disagree on}."""
    out = {}
    for row in _conflicting(df).sort("beneficiary").iter_rows(named=True):
        out[row["beneficiary"]] = [c for c in IDENTITY if row[c] > 1]
    return out


def canonical_bytes(df: pl.DataFrame) -> bytes:
    ordered = df.select(COLUMNS).sort("registration_id")
    buf = io.BytesIO()
    ordered.with_columns(
        pl.col("us_advanced_degree").cast(pl.Utf8).str.to_lowercase(),
        pl.col("wage_level").cast(pl.Utf8),
    ).write_csv(buf, line_terminator="\n", quote_style="necessary")
    return buf.getvalue()


def list_hash(df: pl.DataFrame) -> str:
    return hashlib.sha256(canonical_bytes(df)).hexdigest()


def resolve(df: pl.DataFrame) -> Pool:
    """Beneficiary-centric dedupe.

    A registrant's several registrations for one beneficiary are all invalid. Each remaining
    beneficiary counts once, at the lowest wage level among their registrations, and in the
    advanced round only if all of them claim a US advanced degree (under
    ``talentvisa-select/1`` they could not disagree, so this equals its first-row rule).
    """
    dup = pl.len().over("employer_id", "beneficiary") > 1
    regs = df.lazy().with_columns(
        pl.when(dup).then(pl.lit("invalid_duplicate")).otherwise(pl.lit("valid")).alias("status")
    )
    # Sorting first and grouping in order is several times faster than sorting the groups.
    bens = (
        regs.filter(pl.col("status") == "valid")
        .sort("beneficiary")
        .group_by("beneficiary", maintain_order=True)
        .agg(
            pl.col("wage_level").min().alias("level"),
            pl.col("us_advanced_degree").all().alias("advanced"),
            pl.len().alias("registrations"),
        )
    )
    regs_df, bens_df = pl.collect_all([regs, bens])
    return Pool(regs_df, bens_df)


def load(path: Path, algorithm: str = ALGORITHM) -> pl.DataFrame:
    return normalize(read_csv(path), source=str(path), algorithm=algorithm)
