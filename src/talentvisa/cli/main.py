"""The talentvisa command line (Typer + Rich). User errors exit 2 with a one-line reason."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from talentvisa.cli import render
from talentvisa.cli import service as service_cli
from talentvisa.cli.lottery import app as lottery_app
from talentvisa.rules.assessment import Assessment
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.engine import assess
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.loader import (
    ProfileError,
    ProgramFileError,
    builtin_catalog,
    load_catalog,
    load_profile,
    load_settings,
    settings_from_env,
)
from talentvisa.rules.model import Program
from talentvisa.rules.params import ParameterOutOfRange, Settings
from talentvisa.rules.profile import Profile

app = typer.Typer(
    help="Skilled-talent visa programs as executable, cited policy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
programs_app = typer.Typer(help="Browse the program catalog.", no_args_is_help=True)
app.add_typer(programs_app, name="programs")
app.add_typer(lottery_app, name="lottery")
app.add_typer(service_cli.app_db, name="db")
app.add_typer(service_cli.app_users, name="users")
app.add_typer(service_cli.app_audit, name="audit")
app.add_typer(service_cli.app_demo, name="demo")
app.command("serve")(service_cli.serve)

# Tables are wide; when printing to a file or pipe, do not squeeze them into 80 columns.
out = Console(width=None if sys.stdout.isatty() else 180)
err = Console(stderr=True, soft_wrap=True)

USER_ERRORS = (ProgramFileError, ProfileError, PopulationError, ParameterOutOfRange)


class UserError(Exception):
    pass


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except (UserError, *USER_ERRORS) as exc:
        message = str(exc)
        err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
        raise typer.Exit(2) from None


def parse_date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


OnOption = Annotated[
    str | None, typer.Option("--on", help="Evaluation date, YYYY-MM-DD (default: today).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
SettingsOption = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="Deployer settings YAML (default: $TALENTVISA_SETTINGS). "
        "Fills only what the law leaves unspecified.",
    ),
]
ProgramsDirOption = Annotated[
    Path | None,
    typer.Option("--programs", help="Program directory (default: the shipped catalog)."),
]


def catalog_and_settings(
    programs_dir: Path | None, settings_path: Path | None
) -> tuple[dict[str, CompiledProgram], Settings]:
    catalog = load_catalog(programs_dir) if programs_dir else builtin_catalog()
    settings = (
        load_settings(settings_path, catalog) if settings_path else settings_from_env(catalog)
    )
    return catalog, settings


def pick(catalog: dict[str, CompiledProgram], program_id: str) -> CompiledProgram:
    if program_id not in catalog:
        known = ", ".join(catalog)
        raise UserError(f"--program: unknown program {program_id!r} (known: {known})")
    return catalog[program_id]


def dump_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def models_json(items: list[BaseModel]) -> list[Any]:
    return [i.model_dump(mode="json") for i in items]


@programs_app.command("list")
def programs_list(
    on: OnOption = None, as_json: JsonOption = False, programs_dir: ProgramsDirOption = None
) -> None:
    """List every program with its version hash."""
    day = parse_date(on)
    with user_errors():
        catalog, _ = catalog_and_settings(programs_dir, None)
        if as_json:
            dump_json(
                [
                    {
                        "id": cp.id,
                        "name": cp.program.name.model_dump(),
                        "country": cp.program.country,
                        "category": cp.program.category.value,
                        "in_force": cp.program.in_force_on(day),
                        "version": cp.program.version,
                        "hash": cp.hash,
                    }
                    for cp in catalog.values()
                ]
            )
        else:
            out.print(render.program_list(catalog, day))


@programs_app.command("show")
def programs_show(
    program_id: Annotated[str, typer.Argument(metavar="ID")],
    on: OnOption = None,
    as_json: JsonOption = False,
    programs_dir: ProgramsDirOption = None,
) -> None:
    """Show a program: parameters with sources and history, criteria, points, fees, benefits."""
    day = parse_date(on) if on else None
    with user_errors():
        catalog, _ = catalog_and_settings(programs_dir, None)
        cp = pick(catalog, program_id)
        if as_json:
            dump_json({"hash": cp.hash, **cp.program.model_dump(mode="json", by_alias=True)})
        else:
            # crop=False: a source URL longer than the terminal stays whole on its line
            out.print(render.program_detail(cp, day), crop=False)


def _assess_all(
    catalog: dict[str, CompiledProgram], profile: Profile, day: dt.date, settings: Settings
) -> list[Assessment]:
    return [assess(cp, profile, day, settings) for cp in catalog.values()]


@app.command()
def check(
    profile_path: Annotated[Path, typer.Argument(metavar="PROFILE.yaml")],
    program: Annotated[str | None, typer.Option("--program", help="Only this program.")] = None,
    on: OnOption = None,
    as_json: JsonOption = False,
    settings_path: SettingsOption = None,
    programs_dir: ProgramsDirOption = None,
) -> None:
    """Explain, criterion by criterion, whether a profile is eligible."""
    day = parse_date(on)
    with user_errors():
        catalog, settings = catalog_and_settings(programs_dir, settings_path)
        profile = load_profile(profile_path)
        chosen = {program: pick(catalog, program)} if program else catalog
        results = _assess_all(chosen, profile, day, settings)
        if as_json:
            dump_json(models_json(list(results)))
            return
        for a in results:
            out.print(render.assessment_detail(a))
            out.print()


@app.command()
def compare(
    profile_path: Annotated[Path, typer.Argument(metavar="PROFILE.yaml")],
    on: OnOption = None,
    as_json: JsonOption = False,
    settings_path: SettingsOption = None,
    programs_dir: ProgramsDirOption = None,
    currency: Annotated[
        str | None,
        typer.Option(
            "--currency",
            help="Also show money in this currency, approximately "
            "(default: the profile's preferred_currency).",
        ),
    ] = None,
) -> None:
    """Compare every program side by side for one profile."""
    day = parse_date(on)
    with user_errors():
        catalog, settings = catalog_and_settings(programs_dir, settings_path)
        profile = load_profile(profile_path)
        shown = (currency or profile.preferred_currency or "").upper() or None
        if shown is not None and (len(shown) != 3 or not shown.isalpha()):
            raise UserError(f"--currency: {currency!r} is not a 3-letter currency code")
        results = _assess_all(catalog, profile, day, settings)
        if as_json:
            rows = render.compare_rows(results, shown)
            dump_json(
                {
                    "on": day.isoformat(),
                    "profile": str(profile_path),
                    "approximate_currency": shown,
                    "summary": {
                        a.program_id: {label: str(cells[i]) for label, cells in rows}
                        for i, a in enumerate(results)
                    },
                    "assessments": models_json(list(results)),
                }
            )
            return
        title = f"{profile.name or profile_path.name}: every program on {day}"
        out.print(render.comparison(results, title, shown))


@app.command("assess-batch")
def assess_batch(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT")],
    output: Annotated[Path, typer.Option("--out", help="Output .parquet, .csv or .jsonl")],
    on: OnOption = None,
    program: Annotated[list[str] | None, typer.Option("--program", help="Repeatable.")] = None,
    chunk: Annotated[int, typer.Option(min=1, help="Rows per chunk.")] = 200_000,
    settings_path: SettingsOption = None,
    programs_dir: ProgramsDirOption = None,
) -> None:
    """Assess a population file (Parquet/CSV of facts, or JSONL of profiles) in one pass."""
    # Polars is imported here so the other commands start fast.
    import polars as pl

    from talentvisa.rules.batch import assess_population, read_population

    day = parse_date(on)
    writers: dict[str, Callable[[pl.DataFrame, Path], None]] = {
        ".parquet": lambda df, p: df.write_parquet(p),
        ".csv": lambda df, p: df.write_csv(p),
        ".jsonl": lambda df, p: df.write_ndjson(p),
    }
    with user_errors():
        if output.suffix.lower() not in writers:
            raise UserError(
                f"--out: unsupported format {output.suffix!r} (use {', '.join(writers)})"
            )
        catalog, settings = catalog_and_settings(programs_dir, settings_path)
        chosen = [pick(catalog, p) for p in program] if program else list(catalog.values())
        population = read_population(input_path)
        keep = [c for c in ("id", "person_id") if c in population.columns]
        parts = []
        columns = [
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        with Progress(*columns, console=err) as progress:
            task = progress.add_task("assessing", total=population.height)
            for offset in range(0, max(population.height, 1), chunk):
                part = population.slice(offset, chunk)
                parts.append(assess_population(chosen, part, day, settings, keep=keep))
                progress.advance(task, part.height)
        result = pl.concat(parts) if parts else pl.DataFrame()
        tmp = output.with_name(output.name + ".part")
        writers[output.suffix.lower()](result, tmp)
        tmp.replace(output)  # never leave a half-written output behind
        counts = {
            c.split(":")[0]: dict(result[c].value_counts().iter_rows())
            for c in result.columns
            if c.endswith(":outcome")
        }
        err.print(f"wrote {result.height} rows to {output}")
        for pid, c in counts.items():
            err.print(f"  {pid}: {c}")


@app.command()
def validate(
    program_dir: Annotated[Path, typer.Argument(metavar="PROGRAM_DIR")],
) -> None:
    """Validate program files; problems are reported as file:line."""
    try:
        catalog = load_catalog(program_dir)
    except ProgramFileError as exc:
        for problem in exc.problems:
            err.print(str(problem), highlight=False, markup=False)
        err.print(f"[red]{len(exc.problems)} problem(s)[/red]")
        raise typer.Exit(1) from None
    for cp in catalog.values():
        out.print(f"ok  {cp.path}  ({cp.id} v{cp.program.version}, hash {cp.hash[:12]})")


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("--out", help="Write to a file.")] = None,
    profile: Annotated[bool, typer.Option("--profile", help="The Profile schema instead.")] = False,
) -> None:
    """Export the JSON Schema of program files (or of profiles)."""
    model = Profile if profile else Program
    doc = model.model_json_schema(by_alias=True)
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if output:
        output.write_text(text, "utf-8")
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":  # pragma: no cover
    app()
