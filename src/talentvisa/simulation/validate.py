"""Check a population file before any work, naming each problem by file, line and column.

Without this, a misspelled header (``stem_degree_rank``) was read as no fact at all and every
row silently became unknown for the programs that read it; a ragged CSV row failed deep inside
Polars with no line number. So, before a run:

- every column must be a fact (or ``id``, ``person_id``, ``weight``, or the ``--by`` column);
  another is refused with the nearest fact named, unless the caller lets unknown columns through;
- every CSV record must have the header's number of fields (a ragged or empty line is named);
- every value must read as its fact's type under rules/conventions.py, be one of an enum's
  values and lie within a number's declared bounds; a weight must be a number above 0.

What the chosen programs read but the file lacks is returned (not refused): those facts are
unknown for everyone, which is a legitimate question to ask, but one the analyst should see.
CSV lines count as an editor does (1 is the header; a quoted field may span lines); other
formats name the row (1 is the first person).
"""

from __future__ import annotations

import csv
import difflib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.conventions import BOOL_WORDS, DATE_WORDS, bool_expr, date_expr
from talentvisa.rules.declarations import FactDecl, declarations
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.facts import FACTS
from talentvisa.rules.loader import facts_read
from talentvisa.rules.vector import DTYPES
from talentvisa.simulation.synth import population_citation
from talentvisa.simulation.weights import WEIGHT

# The columns a population may carry beside its facts; the last three are read by a reform's
# cap-selection block (simulation/selection.py).
CARRIED = ("id", "person_id", WEIGHT, "wage_level", "us_advanced_degree", "registrations")
MAX_SHOWN = 20
#: columns of the cap selection that are not facts: (least, most, the words of a good value)
WHOLE = {
    "wage_level": (1, 4, "a wage level 1, 2, 3 or 4"),
    "registrations": (1, float("inf"), "a whole number of registrations, at least 1"),
}


class PopulationInvalid(PopulationError):
    """Problems found before the run; each line names the file, line (or row) and column."""

    def __init__(self, problems: list[str], total: int | None = None) -> None:
        shown = problems[:MAX_SHOWN]
        more = (total if total is not None else len(problems)) - len(shown)
        super().__init__("\n".join(shown) + (f"\n... and {more} more" if more > 0 else ""))
        self.problems = problems


@dataclass(frozen=True)
class Checked:
    """What a valid population lacks, and what it carries that is not read."""

    missing: tuple[str, ...]  # facts the programs read that are not columns of the file
    ignored: tuple[str, ...]  # unknown columns let through (``ignore_unknown``)


def check_population(
    path: Path,
    programs: Iterable[CompiledProgram],
    *,
    by: str | None = None,
    ignore_unknown: bool = False,
) -> Checked:
    """Raise PopulationInvalid naming every problem of the file at ``path``; else say what is
    missing. JSONL profiles are checked line by line when read (rules/batch.py)."""
    suffix = path.suffix.lower()
    if not path.is_file() or suffix not in (".csv", ".parquet"):
        return Checked((), ())  # Population.open names a missing file or an unknown format
    if suffix == ".csv":
        columns, lines = _csv_layout(path)
    else:
        columns, lines = _parquet_columns(path), None
    if by is not None and by not in columns:
        raise PopulationInvalid(
            [f"--by: no column {by!r} in the population ({', '.join(columns)})"]
        )
    # A synthetic population's marginals that are not facts (country_of_birth) are its own
    # columns, not misspellings: let through and listed as not read.
    cited = population_citation(path)
    drawn = {m["column"] for m in cited["marginals"]} if cited else set()
    ignored = _check_columns(str(path), columns, by, ignore_unknown or drawn, lines is not None)
    checked = [c for c in columns if c in FACTS or c == WEIGHT or c in WHOLE]
    if suffix == ".csv":
        frame = pl.scan_csv(path, infer_schema_length=0).select(checked)
    else:
        frame = pl.scan_parquet(path).select(checked)
    _check_values(str(path), frame, lines)
    read = set().union(*(facts_read(cp) for cp in programs))
    missing = tuple(sorted(read - set(columns)))
    return Checked(missing, tuple(ignored))


def _csv_layout(path: Path) -> tuple[list[str], array[int]]:
    """The header, and the line each record starts on; ragged records are refused."""
    problems: list[str] = []
    total = 0
    starts = array("q")
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise PopulationInvalid([f"{path}:1: the file is empty (no header row)"])
            width, previous = len(header), reader.line_num
            for record in reader:
                start, previous = previous + 1, reader.line_num
                starts.append(start)
                if len(record) != width:
                    total += 1
                    if len(problems) < MAX_SHOWN:
                        found = f"{len(record)} fields" if record else "an empty line"
                        problems.append(f"{path}:{start}: {found} where the header has {width}")
    except UnicodeDecodeError as exc:
        raise PopulationInvalid([f"{path}: not UTF-8 text ({exc.reason})"]) from None
    except csv.Error as exc:
        raise PopulationInvalid([f"{path}:{reader.line_num}: not CSV ({exc})"]) from None
    twice = sorted({c for c in header if header.count(c) > 1})
    problems = [f"{path}:1: column {c!r} appears twice" for c in twice] + problems
    if problems:
        raise PopulationInvalid(problems, total + len(twice))
    return header, starts


def _parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise PopulationInvalid([f"{path}: not a Parquet file ({exc})"]) from None


def _check_columns(
    name: str,
    columns: Sequence[str],
    by: str | None,
    ignore_unknown: bool | set[str],
    csv_file: bool,
) -> list[str]:
    """Unknown columns: refused with the nearest fact named, or returned if let through.

    ``ignore_unknown`` lets every unknown column through, or (a set) those it names.
    """
    renamed = declarations().renamed
    known = [*FACTS, *CARRIED]
    where = f"{name}:1" if csv_file else name
    problems, ignored = [], []
    for c in columns:
        if c in FACTS or c in CARRIED or c == by:
            continue
        if c in renamed:  # an old name is never let through: it would be read as nothing
            problems.append(f"{where}: column {c!r} is now named {renamed[c]!r}; rename it")
        elif ignore_unknown is True or (isinstance(ignore_unknown, set) and c in ignore_unknown):
            ignored.append(c)
        else:
            near = difflib.get_close_matches(c, known, n=1, cutoff=0.6)
            hint = f": did you mean {near[0]!r}?" if near else ""
            problems.append(
                f"{where}: column {c!r} is not a fact{hint} "
                "(see `talentvisa schema --facts`; --ignore-unknown-columns lets it through)"
            )
    if problems:
        raise PopulationInvalid(problems)
    return ignored


@dataclass(frozen=True)
class _Rule:
    """What makes a value of one column bad, and how to say it."""

    column: str
    bad: pl.Expr
    words: str


def _rules(column: str, dtype: pl.DataType) -> list[_Rule]:
    text = dtype == pl.Utf8
    if column == WEIGHT:
        written = pl.col(column).str.strip_chars() if text else pl.col(column)
        value = written.cast(pl.Float64, strict=False)
        bad = (value.is_null() | ~value.is_finite() | (value <= 0)).fill_null(True)
        return [_Rule(column, bad, "a number above 0 (every row needs a weight)")]
    if column in WHOLE:  # the cap selection's columns (simulation/selection.py)
        written = pl.col(column).str.strip_chars() if text else pl.col(column)
        given = written.is_not_null() & (written.cast(pl.Utf8) != "")
        value = written.cast(pl.Float64, strict=False)
        low, high, words = WHOLE[column]
        wrong = value.is_null() | (value != value.round(0)) | (value < low) | (value > high)
        return [_Rule(column, given & wrong.fill_null(True), words)]
    if column not in FACTS:
        return []
    fact = FACTS[column]
    given = pl.col(column).is_not_null()
    if text:
        given = given & (pl.col(column).str.strip_chars() != "")
    parsed, words = _parsed(fact, dtype)
    rules = [_Rule(column, given & parsed.is_null(), words)]
    if fact.values:
        allowed = list(fact.values)
        inside = (
            parsed.list.eval(pl.element().is_in(allowed)).list.all()
            if fact.kind == "list"
            else parsed.is_in(allowed)
        )
        rules.append(_Rule(column, given & ~inside, f"one of {', '.join(allowed)}"))
    if fact.kind in ("int", "float"):
        if fact.min is not None:
            rules.append(_Rule(column, given & (parsed < fact.min), f"at least {fact.min:g}"))
        if fact.max is not None:
            rules.append(_Rule(column, given & (parsed > fact.max), f"at most {fact.max:g}"))
    return rules


def _parsed(fact: FactDecl, dtype: pl.DataType) -> tuple[pl.Expr, str]:
    """The column read as its fact's type (null where it cannot be), and the type in words."""
    col = pl.col(fact.name)
    words = {
        "bool": BOOL_WORDS,
        "date": DATE_WORDS,
        "int": "a whole number",
        "float": "a number",
        "str": "text",
        "list": "a list of text, items joined by ';'",
    }[fact.kind]
    if dtype == pl.Utf8:
        if fact.kind == "bool":
            return bool_expr(fact.name), words
        if fact.kind == "date":
            return date_expr(fact.name), words
        if fact.kind == "list":
            return col.str.strip_chars().str.split(";"), words
        if fact.kind in ("int", "float"):
            return col.str.strip_chars().cast(DTYPES[fact.kind], strict=False), words
        return col, words
    return col.cast(DTYPES[fact.kind], strict=False), words


def _check_values(name: str, frame: pl.LazyFrame, lines: array[int] | None) -> None:
    """One pass counts the bad values per rule; only where there are some are they found."""
    schema = frame.collect_schema()
    rules = [r for c in schema for r in _rules(c, schema[c])]
    if not rules:
        return
    counts = frame.select([r.bad.sum().alias(str(i)) for i, r in enumerate(rules)]).collect(
        engine="streaming"
    )
    problems: list[str] = []
    total = 0
    for i, rule in enumerate(rules):
        bad = int(counts[str(i)][0] or 0)
        if not bad:
            continue
        total += bad
        found = (
            frame.with_row_index("_row")
            .filter(rule.bad)
            .select("_row", pl.col(rule.column).cast(pl.Utf8, strict=False))
            .head(MAX_SHOWN)
            .collect()
        )
        for row, value in found.iter_rows():
            where = f"{name}:{lines[row]}" if lines is not None else f"{name}: row {row + 1}"
            shown = "an empty value" if value is None else repr(value)
            problems.append(f"{where}: column {rule.column!r}: {shown} is not {rule.words}")
    if problems:
        problems.sort(key=_line_key)
        raise PopulationInvalid(problems[:MAX_SHOWN], total)


def _line_key(problem: str) -> tuple[int, str]:
    """Problems in file order: by the line (or row) number they name."""
    head = problem.split(": column", 1)[0]
    digits = head.rsplit(":", 1)[-1].replace("row", "").strip()
    return (int(digits) if digits.isdigit() else 0, problem)
