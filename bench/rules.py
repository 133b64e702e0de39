"""Benchmark the rules engine: scalar assess() vs the vectorized batch path vs a NumPy kernel.

Figures are ratios against baselines measured in the same run, because the machine is shared
and noisy. Exits non-zero only when two paths disagree, never for a missed target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import polars as pl
import pycountry
from rich.console import Console
from rich.table import Table

from talentvisa.rules import builtin_catalog
from talentvisa.rules.batch import assess_population, schema
from talentvisa.rules.declarations import FactDecl
from talentvisa.rules.engine import assess
from talentvisa.rules.facts import FACTS
from talentvisa.rules.params import NO_SETTINGS, DeployerValue, Settings, resolve_all
from talentvisa.rules.profile import CaEducation

COUNTRIES = ["IN", "CN", "US", "DE", "GB", "CA", "RU", "FR", "JP", "NG", "BR", "KR"]
CHOICES: dict[str, list[str]] = {
    "current_country": COUNTRIES,
    "job_offer_country": COUNTRIES,
    "immigration_status": ["F-1", "H-1B", "L-1", "B-2", "none"],
    "passport_type": ["ordinary"] * 17 + ["diplomatic", "service", "other"],
    "job_offer_currency": ["CNY", "USD", "EUR"],
    "job_offer_soc_code": ["15-1252", "15-2051", "17-2071", "19-1042", "25-1021"],
    "job_offer_cn_region_type": ["western", "northeast_old_industrial", "poverty_county", "other"],
    "petition_type": ["new_employment", "change_of_employer", "extension", "change_of_status"],
    "cn_vocational_level": ["senior_technician", "technician", "senior_worker", "none"],
    # facts of the DE, KR, NZ and UK programs
    "funds_currency": ["EUR", "GBP", "USD"],
    "job_offer_sector": ["semiconductors", "bio", "secondary_batteries", "displays", "finance"],
    "de_qualification_recognition": ["full", "partial", "none", "none"],
    "nz_qualification_type": ["doctoral", "masters", "bachelors", "level_only", "other"],
    # facts of Canada's Express Entry
    "ca_education": [e.value for e in CaEducation],
    "ca_spouse_education": [e.value for e in CaEducation],
    "ca_canadian_study": ["none", "none", "one_or_two_years", "three_years_or_more"],
}
K_FILLED = {"max_age": 35, "min_experience_years": 0, "well_known_max_rank": 500}
K_SETTINGS = Settings({"cn-k": {k: DeployerValue(v, "bench") for k, v in K_FILLED.items()}})
OUTCOMES = ("ineligible", "eligible", "unknown")  # kernel codes 0, 1, 2


#: Any currency, for a declared `*_currency` fact that has no hand-written choices.
ALL_CURRENCIES = sorted(c.alpha_3 for c in pycountry.currencies)


def declared_draw(
    fact: FactDecl, rng: np.random.Generator, n: int, days: tuple[np.datetime64, np.datetime64]
) -> Any:
    """Values for a fact no hand-written generator knows (a new country's folder, say), from
    its declared type, values and bounds, so a new program needs no edit here."""
    if fact.type == "enum":
        return rng.choice(sorted(fact.values), n)
    if fact.kind in ("int", "float"):
        if fact.min is not None and fact.max is not None:
            drawn = rng.uniform(fact.min, fact.max, n)
        else:  # amounts span many orders of magnitude: a log-normal reaches both ends
            drawn = (fact.min or 0) + rng.lognormal(6, 4, n)
        return drawn.round() if fact.kind == "int" else drawn
    if fact.kind == "date":
        span = int((days[1] - days[0]).astype(int)) + 1
        return days[0] + rng.integers(0, span, n).astype("timedelta64[D]")
    if fact.name.endswith("_currency"):
        return rng.choice(ALL_CURRENCIES, n)
    return rng.choice(["a", "b", "c"], n)


def population(n: int, seed: int) -> pl.DataFrame:
    """N synthetic people as fact columns; each fact is unknown (null) for 10-20% of rows."""
    rng = np.random.default_rng(seed)
    day0, day1 = np.datetime64("1960-01-01"), np.datetime64("2006-12-31")
    level = rng.choice(7, n, p=[0.03, 0.12, 0.05, 0.05, 0.4, 0.25, 0.1])
    stem_level = np.where(rng.random(n) < 0.6, level, 0)
    salary = rng.lognormal(11.5, 0.7, n).round(-2)
    currency = rng.choice(CHOICES["job_offer_currency"], n, p=[0.4, 0.45, 0.15])
    cny = currency == "CNY"
    values: dict[str, Any] = {
        "date_of_birth": day0
        + rng.integers(0, int((day1 - day0).astype(int)) + 1, n).astype("timedelta64[D]"),
        "highest_degree_level": level,
        "stem_degree_level": stem_level,
        "stem_degree_best_rank": rng.integers(1, 2001, n),
        "stem_academic_best_rank": rng.integers(1, 2001, n),
        "latest_graduation_date": np.datetime64("1980-06-30")
        + rng.integers(0, 45 * 365, n).astype("timedelta64[D]"),
        "work_experience_years": rng.gamma(2.0, 3.0, n).round(1),
        "cn_consecutive_years": rng.choice([0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0], n),
        "job_offer_salary": salary,
        "job_offer_currency": currency,
        "job_offer_salary_cny": np.where(cny, salary * 7, np.nan),
        "job_offer_wage_level": rng.integers(1, 5, n),
        "job_offer_cn_annual_months": rng.choice([3.0, 6.0, 9.0, 12.0], n),
        "job_offer_local_average_wage_cny": np.where(cny, rng.normal(1.1e5, 3e4, n), np.nan),
        "employer_fte": rng.choice([5, 20, 25, 26, 100, 5000], n),
        "hsk_level": rng.integers(0, 10, n),
        "cefr_english": rng.integers(1, 7, n),
        "cefr_german": rng.integers(1, 7, n),
        "children_count": rng.poisson(0.8, n),
        "cn_local_bonus_points": rng.choice([0.0, 0.0, 0.0, 5.0, 10.0], n),
        "funds_amount": rng.lognormal(9.3, 0.8, n).round(),
        "months_in_current_country": rng.choice([0.0, 6.0, 12.0, 36.0], n),
        "master_plus_best_rank": rng.integers(1, 2001, n),
        "foreign_master_plus_best_rank": rng.integers(1, 2001, n),
        "teaching_experience_years": rng.choice([0.0, 0.0, 0.0, 1.0, 3.0], n),
        "fortune500_years": rng.choice([0.0, 0.0, 2.0, 3.0, 6.0], n),
        "postdoc_research_years": rng.choice([0.0, 0.0, 3.0, 5.0, 7.0], n),
        "postdoc_top_institute_years": rng.choice([0.0, 1.0, 3.0], n),
        "job_offer_hourly_rate": rng.lognormal(3.6, 0.4, n).round(2),
        "job_offer_hours_per_week": rng.choice([20.0, 30.0, 40.0], n),
        "job_offer_anzsco_skill_level": rng.integers(1, 6, n),
        "de_experience_years_last_5": rng.uniform(0, 5, n).round(1),
        "de_experience_years_last_7": rng.uniform(0, 7, n).round(1),
        "kr_lawful_stay_years": rng.uniform(0, 6, n).round(1),
        "kr_annual_income_krw": rng.lognormal(17.5, 0.5, n).round(-4),
        "nz_qualification_level": rng.integers(1, 11, n),
        "nz_registration_training_years": rng.choice([0.0, 0.0, 2.0, 4.0, 6.0], n),
        "nz_skilled_work_years": rng.uniform(0, 5, n).round(1),
        "nz_relevant_work_years": rng.uniform(0, 10, n).round(1),
        "nz_post_qualification_years": rng.uniform(0, 8, n).round(1),
        "nz_work_lowest_hourly_rate": rng.lognormal(3.5, 0.3, n).round(2),
        "uk_hpi_award_date_top50": np.datetime64("2015-01-01")
        + rng.integers(0, 11 * 365, n).astype("timedelta64[D]"),
        "uk_hpi_award_date_top100": np.datetime64("2015-01-01")
        + rng.integers(0, 11 * 365, n).astype("timedelta64[D]"),
        "job_offer_noc_teer": rng.choice([0, 1, 2, 3, 4, 5], n),
        "ca_canadian_work_years": rng.choice([0.0, 0.0, 1.0, 2.5, 4.0, 6.0], n),
        "ca_foreign_work_years": rng.choice([0.0, 1.0, 2.0, 3.0, 6.0], n),
        "ca_spouse_canadian_work_years": rng.choice([0.0, 0.0, 1.0, 3.0], n),
    }
    # CLB/NCLC levels (0 = no test): each ability, and the lowest of four where a fact is one
    levels = [0, 4, 5, 6, 7, 8, 9, 10, 12]
    clb = {
        name: rng.choice(levels, n)
        for name in FACTS
        if "_language_" in name and not name.endswith("_min")
    }
    values |= clb | {
        "clb_english_min": rng.choice([0, 4, 6, 7, 9], n),
        "nclc_french_min": rng.choice([0, 0, 0, 5, 7, 9], n),
        "ca_first_language_min": np.minimum.reduce(
            [clb[f"ca_first_language_{a}"] for a in ("reading", "writing", "listening", "speaking")]
        ),
    }
    for name, options in CHOICES.items():
        values.setdefault(name, rng.choice(options, n))
    for name, fact in FACTS.items():  # any other fact: drawn from its declaration alone
        if name not in values and fact.kind not in ("bool", "list"):
            values[name] = declared_draw(fact, rng, n, (day0, day1))
    cols: list[pl.Series] = []
    for name, dtype in schema().items():
        if name == "nationalities":
            first, second = (pl.Series(rng.choice(COUNTRIES, n)) for _ in range(2))
            second = second.scatter(np.flatnonzero(rng.random(n) < 0.85), None)
            s = pl.select(pl.concat_list(first, second).list.drop_nulls()).to_series()
        elif FACTS[name].kind == "bool":
            s = pl.Series(rng.random(n) < rng.uniform(0.1, 0.7))
        else:
            assert name in values, f"no generator for fact {name!r}"
            s = pl.Series(values[name])
            s = s.fill_nan(None) if s.dtype == pl.Float64 else s
        null_rate = rng.uniform(0.10, 0.20)
        unknown = pl.lit(pl.Series(rng.random(n) < null_rate))
        s = pl.select(pl.when(unknown).then(None).otherwise(pl.lit(s))).to_series()
        cols.append(s.cast(dtype).alias(name))
    return pl.DataFrame(cols)


def best_of(reps: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Fastest wall time of ``reps`` runs, and the last result."""
    best, out = float("inf"), None
    for _ in range(reps):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


Tri = tuple[np.ndarray, np.ndarray]  # (value, known); value is meaningless where not known


def k_inputs(df: pl.DataFrame) -> dict[str, Tri]:
    cols = ["stem_degree_level", "stem_degree_best_rank", "stem_academic_role"]
    cols += ["stem_academic_best_rank", "date_of_birth", "work_experience_years"]
    return {
        c: (df[c].to_physical().fill_null(0).to_numpy(), df[c].is_not_null().to_numpy())
        for c in cols
    }


def born_after_cutoff(on: dt.date, max_age: int) -> int:
    """First birthday (days since epoch) with age(born) <= max_age on ``on``.

    age <= A  <=>  (born.y, born.m, born.d) > (on.y - A - 1, on.m, on.d), the scalar rule.
    """
    y = on.year - max_age - 1
    try:
        first = dt.date(y, on.month, on.day) + dt.timedelta(days=1)
    except ValueError:  # 29 February in a common year: the next date after it is 1 March
        first = dt.date(y, 3, 1)
    return (first - dt.date(1970, 1, 1)).days


def k_kernel(x: dict[str, Tri], p: dict[str, Any], on: dt.date) -> np.ndarray:
    """cn-k eligibility with Kleene logic; returns codes 0 ineligible, 1 eligible, 2 unknown."""

    def cmp(col: str, param: Any, op: Callable[[np.ndarray, Any], np.ndarray]) -> Tri:
        v, k = x[col]
        if param is None:
            return v.astype(bool), np.zeros_like(k)
        return op(v, param), k

    def and_(a: Tri, b: Tri) -> Tri:
        return a[0] & b[0], (a[1] & b[1]) | (a[1] & ~a[0]) | (b[1] & ~b[0])

    def or_(a: Tri, b: Tri) -> Tri:
        return a[0] | b[0], (a[1] & b[1]) | (a[1] & a[0]) | (b[1] & b[0])

    rank = p["well_known_max_rank"]
    graduate = and_(
        cmp("stem_degree_level", 4, np.greater_equal),  # 4 = bachelor
        cmp("stem_degree_best_rank", rank, np.less_equal),
    )
    academic = and_(
        (x["stem_academic_role"][0].astype(bool), x["stem_academic_role"][1]),
        cmp("stem_academic_best_rank", rank, np.less_equal),
    )
    age = p["max_age"]
    cutoff = None if age is None else born_after_cutoff(on, age)
    eligible = and_(
        and_(or_(graduate, academic), cmp("date_of_birth", cutoff, np.greater_equal)),
        cmp("work_experience_years", p["min_experience_years"], np.greater_equal),
    )
    return np.where(eligible[1], eligible[0].astype(np.int8), np.int8(2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--scalar-n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=20251001)
    ap.add_argument("--reps", type=int, default=3, help="repetitions of the fast paths")
    ap.add_argument("--on", type=dt.date.fromisoformat, default=dt.date.today())
    args = ap.parse_args()
    console = Console() if sys.stdout.isatty() else Console(width=110)
    wall, on, reps = time.perf_counter(), args.on, max(args.reps, 1)
    catalog = builtin_catalog()
    programs, ck = list(catalog.values()), catalog["cn-k"]
    if not 1 <= args.scalar_n <= args.n:
        ap.error("--scalar-n must be between 1 and --n")
    console.print(f"programs ({len(programs)}): {', '.join(catalog)}; on {on}; seed {args.seed}")

    t = time.perf_counter()
    df = population(args.n, args.seed)
    rows = df.head(args.scalar_n).to_dicts()
    console.print(f"generated {args.n:,} people in {time.perf_counter() - t:.1f}s (untimed)")

    scalar_by = dict.fromkeys(catalog, 0.0)  # seconds of scalar assess() per program
    scalar_out: list[list[str]] = []
    t = time.perf_counter()
    for r in rows:
        row = []
        for cp in programs:
            t0 = time.perf_counter()
            row.append(assess(cp, r, on).outcome.value)
            scalar_by[cp.id] += time.perf_counter() - t0
        scalar_out.append(row)
    scalar_s = time.perf_counter() - t
    batch_s, batch = best_of(reps, lambda: assess_population(programs, df, on))
    problems: list[str] = []
    for j, cp in enumerate(programs):  # the scalar rows must agree with the same batch rows
        want = batch[f"{cp.id}:outcome"].head(args.scalar_n).to_list()
        bad = sum(row[j] != w for row, w in zip(scalar_out, want, strict=True))
        if bad:
            problems.append(f"{cp.id}: scalar and batch outcomes differ on {bad:,} rows")

    x = k_inputs(df)  # NumPy conversion of the kernel's columns, outside the timed section
    k_rows: list[tuple[str, float, float, Counter[str]]] = []
    for label, settings in (("law defaults", NO_SETTINGS), ("deployer settings", K_SETTINGS)):
        params = {n: r.value for n, r in resolve_all(ck.program, on, settings).items()}
        bk_s, bk = best_of(reps, partial(assess_population, [ck], df, on, settings))
        kk_s, codes = best_of(reps * 2, partial(k_kernel, x, params, on))
        want = Counter(bk["cn-k:outcome"].to_list())
        got = +Counter({OUTCOMES[c]: int(m) for c, m in enumerate(np.bincount(codes, minlength=3))})
        rowwise = int((bk["cn-k:outcome"].to_numpy() != np.array(OUTCOMES)[codes]).sum())
        if got != want or rowwise:
            problems.append(f"cn-k ({label}): kernel {dict(got)} != batch {dict(want)}")
        k_rows.append((label, bk_s, kk_s, want))

    # Each program alone, so a program whose batch path lags shows up instead of hiding in the sum.
    per_program = [
        (
            cp.id,
            scalar_by[cp.id] / args.scalar_n,
            best_of(reps, partial(assess_population, [cp], df, on))[0] / args.n,
        )
        for cp in programs
    ]

    n_s = args.scalar_n * len(programs)
    scalar_rate, batch_rate = n_s / scalar_s, args.n * len(programs) / batch_s
    table = Table(title=f"talentvisa rules bench: N={args.n:,}, {len(programs)} programs")
    for col in ("measure", "value", "target", "status"):
        table.add_column(col, justify="left" if col == "measure" else "right")

    def target(name: str, value: str, ok: bool, wanted: str) -> None:
        table.add_row(name, value, wanted, "[green]PASS" if ok else "[red]FAIL")

    def ratio(name: str, value: float, ok: bool, wanted: str) -> None:
        target(name, f"{value:,.1f}x", ok, wanted)

    speedup = batch_rate / scalar_rate
    ratio("batch / scalar speedup (all programs)", speedup, speedup >= 100, ">= 100x")
    for label, bk_s, kk_s, _ in k_rows:
        ratio(f"batch cn-k / kernel time ({label})", bk_s / kk_s, bk_s / kk_s <= 3, "<= 3x")
    ee = dict((pid, b) for pid, _, b in per_program).get("ca-express-entry")
    if ee is not None:
        ns = ee * 1e9
        target("batch ca-express-entry per person", f"{ns:,.0f} ns", ns <= 200, "<= 200 ns")
    wanted = 12e6 if args.n >= 1_000_000 else None  # the target is set on 1M people
    rate_ok = wanted is not None and batch_rate >= wanted
    target(
        f"batch, whole catalog, {args.n:,} people",
        f"{batch_rate / 1e6:,.1f}M/s",
        rate_ok,
        ">= 12M assessments/s" + ("" if wanted else " (on 1M people)"),
    )
    table.add_section()
    rate = "{:,.0f} assessments/s".format
    table.add_row(f"scalar assess(), {n_s:,} assessments, 1 run", rate(scalar_rate))
    table.add_row(f"batch assess_population, all programs, best of {reps}", rate(batch_rate))
    for label, bk_s, kk_s, _ in k_rows:
        table.add_row(f"batch cn-k ({label}), best of {reps}", rate(args.n / bk_s))
        table.add_row(f"NumPy kernel cn-k ({label}), best of {reps * 2}", rate(args.n / kk_s))
    console.print(table)
    each = Table(title="each program alone: batch / scalar speedup per assessment")
    for col in ("program", "scalar per person", "batch per person", "speedup", "share of batch"):
        each.add_column(col, justify="left" if col == "program" else "right")
    whole = sum(b for _, _, b in per_program)
    for pid, sc, b in per_program:
        each.add_row(
            pid, f"{sc * 1e6:,.0f} µs", f"{b * 1e9:,.0f} ns", f"{sc / b:,.0f}x", f"{b / whole:.0%}"
        )
    console.print(each)
    for label, _, _, counts in k_rows:
        console.print(f"cn-k outcomes ({label}): {dict(sorted(counts.items()))}")
    console.print(
        "kernel: inputs converted to NumPy (value + known arrays) outside the timed section; "
        "kernel outcome counts and rows checked against batch cn-k:outcome; "
        f"scalar outcomes checked against batch for the first {args.scalar_n:,} rows"
    )
    for p in problems:
        console.print(f"[bold red]MISMATCH[/] {p}")
    console.print(f"wall time {time.perf_counter() - wall:.1f}s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
