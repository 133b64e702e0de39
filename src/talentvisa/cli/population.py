"""`talentvisa population`: synthetic people from a PopulationModel, and raking to its marginals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from talentvisa.cli.bulletin import fail
from talentvisa.cli.lang import LangError, LangOption, lang_of, speaking
from talentvisa.cli.simulation import _, selection_view
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.loader import builtin_catalog
from talentvisa.rules.yamlfile import ProgramFileError
from talentvisa.simulation.calibrate import calibrate as rake
from talentvisa.simulation.reform import ReformError, load_reform
from talentvisa.simulation.selection import compared
from talentvisa.simulation.synth import PopulationModel, write_cited
from talentvisa.simulation.validate import check_population

app = typer.Typer(help="Synthetic populations from published marginals.", no_args_is_help=True)
out = Console()

ModelOption = Annotated[Path, typer.Option("--model", help="PopulationModel YAML.")]
OutOption = Annotated[Path, typer.Option("--out", help="Parquet file to write.")]


@contextmanager
def _speaking(lang: str | None) -> Iterator[None]:
    """Within the block, the tables and lines are said in --lang (errors stay one line)."""
    try:
        chosen = lang_of(lang)
    except LangError as exc:
        raise fail(str(exc)) from None
    with speaking(chosen):
        yield


def _model(path: Path) -> PopulationModel:
    try:
        return PopulationModel.load(path)
    except ProgramFileError as exc:
        raise fail(str(exc)) from None


def _write(frame: pl.DataFrame, path: Path, citation: dict[str, Any] | None = None) -> None:
    if path.suffix.lower() != ".parquet":
        raise fail(f"--out: {path} must end in .parquet")
    try:
        if citation is None:
            frame.write_parquet(path)
        else:
            write_cited(frame, path, citation)
    except OSError as exc:
        raise fail(f"--out: cannot write {path}: {exc.strerror}") from None


def _read(population: Path) -> pl.DataFrame:
    try:
        if population.suffix.lower() == ".csv":
            return pl.read_csv(population)
        return pl.read_parquet(population)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise fail(f"--population: cannot read {population}: {exc}") from None


@app.command()
def synth(
    model: ModelOption,
    out_path: OutOption,
    n: Annotated[int, typer.Option("--n", min=1, help="People to draw.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the draw.")] = 0,
    lang: LangOption = None,
) -> None:
    """Draw N weighted people from the model's marginals (same seed, same people)."""
    with _speaking(lang):
        loaded = _model(model)
        people = loaded.synthesize(n, seed)
        _write(people, out_path, loaded.citation(n, seed))
        out.print(
            _("{n} people, weight sum {weight} -> {path}").format(
                n=people.height, weight=f"{people['weight'].sum():,.0f}", path=out_path
            )
        )


@app.command()
def calibrate(
    model: ModelOption,
    population: Annotated[Path, typer.Option("--population", help="Parquet or CSV to rake.")],
    out_path: OutOption,
    lang: LangOption = None,
) -> None:
    """Rake the population's weights to the model; print each target and the max relative error."""
    with _speaking(lang):
        _calibrate(model, population, out_path)


def _calibrate(model: Path, population: Path, out_path: Path) -> None:
    loaded = _model(model)
    frame = _read(population)
    try:
        result = rake(frame, loaded)
    except PopulationError as exc:
        raise fail(f"--population: {population}: {exc}") from None
    table = Table(_("column"), _("value"), _("target"), _("achieved"), _("relative error"))
    for check in result.checks:
        table.add_row(
            check.column,
            str(check.value),
            f"{check.target:,.1f}",
            f"{check.achieved:,.1f}",
            f"{check.relative_error:.2e}",
        )
    out.print(table)
    out.print(
        _("max relative error {error} after {n} passes").format(
            error=f"{result.max_relative_error:.2e}", n=result.iterations
        )
    )
    # raked to the model's marginals: the model's citation, and the file it raked
    citation = {**loaded.citation(frame.height, 0), "raked": population.name}
    del citation["seed"]
    _write(result.frame, out_path, citation)


@app.command()
def select(
    population: Annotated[Path, typer.Option("--population", help="Parquet or CSV of people.")],
    whatif: Annotated[Path, typer.Option("--whatif", help="What-if YAML (season, selection).")],
    by: Annotated[str, typer.Option("--by", help="Column to report selections by.")] = "wage_level",
    lang: LangOption = None,
) -> None:
    """Expected cap selections by group: the season's baseline beside the what-if."""
    with _speaking(lang):
        _select(population, whatif, by)


def _select(population: Path, whatif: Path, by: str) -> None:
    try:
        # A what-if is a reform: read and checked the same way, naming the file and line.
        reform = load_reform(whatif, builtin_catalog())
    except ReformError as exc:
        raise fail(f"--whatif: {exc}") from None
    if reform.selection is None:
        raise fail(f"--whatif: {whatif}: needs a season and a selection: mapping")
    try:  # the selection's columns by the files' one convention, bad values by file:line
        check_population(population, [], by=by, ignore_unknown=True)
    except PopulationError as exc:
        raise fail(str(exc)) from None
    frame = _read(population)
    if by not in frame.columns:
        raise fail(f"--by: {population} has no column {by!r}")
    try:
        both = compared(frame, reform.season or "", reform.selection, by)
    except PopulationError as exc:
        raise fail(f"--population: {population}: {exc}") from None
    out.print(selection_view(both, by))
