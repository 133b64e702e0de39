"""The talentvisa command line (Typer + Rich). User errors exit 2 with a one-line reason."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console

from talentvisa.cli import render
from talentvisa.cli import service as service_cli
from talentvisa.cli import simulation as simulation_cli
from talentvisa.cli.bulletin import fail
from talentvisa.cli.lang import LangError, LangOption, lang_of, speaking
from talentvisa.cli.lottery import app as lottery_app
from talentvisa.cli.population import app as population_app
from talentvisa.cli.simulation import _
from talentvisa.guidance.matrix import matrix
from talentvisa.i18n import Lang
from talentvisa.rules.assessment import Assessment
from talentvisa.rules.calendar import calendar
from talentvisa.rules.columns import facts_schema
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import Declarations, declarations, load_declarations
from talentvisa.rules.engine import assess
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.facts import facts_of
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
from talentvisa.rules.params import ParameterOutOfRange, Settings, with_scenario
from talentvisa.rules.profile import Profile
from talentvisa.simulation.reform import ReformError
from talentvisa.simulation.selection import SelectionError

app = typer.Typer(
    help="Skilled-talent visa programs as executable, cited policy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
programs_app = typer.Typer(help="Browse the program catalog.", no_args_is_help=True)
app.add_typer(programs_app, name="programs")
app.add_typer(lottery_app, name="lottery")
app.add_typer(population_app, name="population")
app.add_typer(service_cli.app_db, name="db")
app.add_typer(service_cli.app_users, name="users")
app.add_typer(service_cli.app_audit, name="audit")
app.add_typer(service_cli.app_demo, name="demo")
app.command("serve")(service_cli.serve)
app.command("worker")(service_cli.worker)

# Tables are wide; when printing to a file or pipe, do not squeeze them into 80 columns.
out = Console(width=None if sys.stdout.isatty() else 180)
err = Console(stderr=True, soft_wrap=True)

USER_ERRORS = (
    ProgramFileError,
    ProfileError,
    PopulationError,
    ParameterOutOfRange,
    ReformError,
    simulation_cli.BackendChoiceError,
    LangError,
    SelectionError,
)


class UserError(Exception):
    pass


@contextmanager
def user_errors() -> Iterator[None]:
    from talentvisa.simulation.cluster import ClusterError
    from talentvisa.simulation.job import JobError

    try:
        yield
    except (UserError, ClusterError, JobError, *USER_ERRORS) as exc:
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
DaskOption = Annotated[
    bool,
    typer.Option(
        "--dask",
        help="Run on Dask: a LocalCluster of --workers processes, or the cluster at --scheduler.",
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Worker processes of the LocalCluster (default 2)."),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="TALENTVISA_DASK_SCHEDULER",
        show_envvar=True,
        help="Address of a running Dask scheduler, e.g. tcp://host:8786 (implies --dask). Its "
        "workers need talentvisa and must see a Parquet population at the same path.",
    ),
]
ChunkOption = Annotated[
    int, typer.Option("--chunk", min=1, help="Rows per partition when run in process.")
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


def asked_in(programs_dir: Path | None) -> Declarations | None:
    """The fact declarations that name missing answers: a --programs directory's, if given."""
    return None if programs_dir is None else load_declarations(programs_dir)


def date_option(value: str | None) -> dt.date:
    """--on as a one-line user error (for commands run inside user_errors())."""
    try:
        return parse_date(value)
    except typer.BadParameter:
        raise UserError(f"--on: {value!r} is not a date (expected YYYY-MM-DD)") from None


def out_option(output: Path | None) -> None:
    from talentvisa.simulation.output import FORMATS

    if output is not None and output.suffix.lower() not in FORMATS:
        raise UserError(f"--out: unsupported format {output.suffix!r} (use {', '.join(FORMATS)})")


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


@programs_app.command("calendar")
def programs_calendar(
    start: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default: today).")
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, max=3660, help="Length of the window.")
    ] = 180,
    as_json: JsonOption = False,
    programs_dir: ProgramsDirOption = None,
) -> None:
    """What changes soon: values that start, change, end or are contested, and open questions."""
    with user_errors():
        try:
            day = parse_date(start)
        except typer.BadParameter:
            raise UserError(f"--from: {start!r} is not a date (expected YYYY-MM-DD)") from None
        catalog, _ = catalog_and_settings(programs_dir, None)
        cal = calendar([cp.program for cp in catalog.values()], day, days)
        if as_json:
            dump_json(cal.model_dump(mode="json"))
        else:
            out.print(render.calendar_view(cal), crop=False)


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
    lang: LangOption = None,
) -> None:
    """Explain, criterion by criterion, whether a profile is eligible."""
    day = parse_date(on)
    with user_errors(), speaking(lang_of(lang)):
        catalog, settings = catalog_and_settings(programs_dir, settings_path)
        profile = load_profile(profile_path)
        chosen = {program: pick(catalog, program)} if program else catalog
        results = _assess_all(chosen, profile, day, settings)
        if as_json:
            dump_json(models_json(list(results)))
            return
        for a in results:
            out.print(render.assessment_detail(a, asked_in(programs_dir)))
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
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="Also show a proposed change (a program's named scenario) beside the law.",
        ),
    ] = None,
    lang: LangOption = None,
) -> None:
    """Compare every program side by side for one profile."""
    day = parse_date(on)
    with user_errors(), speaking(lang_of(lang)):
        catalog, settings = catalog_and_settings(programs_dir, settings_path)
        proposed = _scenario_programs(catalog, scenario) if scenario else {}
        profile = load_profile(profile_path)
        shown = (currency or profile.preferred_currency or "").upper() or None
        if shown is not None and (len(shown) != 3 or not shown.isalpha()):
            raise UserError(f"--currency: {currency!r} is not a 3-letter currency code")
        results = _assess_all(catalog, profile, day, settings)
        facts = facts_of(profile)
        if_adopted: list[Assessment] = []
        if scenario:
            programs = [cp.program for cp in proposed.values()]
            hypothetical = with_scenario(programs, scenario, settings)
            if_adopted = _assess_all(proposed, profile, day, hypothetical)
        if as_json:
            with speaking(Lang("en")):  # the summary's keys and words stay stable for scripts
                rows = render.compare_rows(results, shown, asked_in(programs_dir), facts)
            doc: dict[str, Any] = {
                "on": day.isoformat(),
                "profile": str(profile_path),
                "approximate_currency": shown,
                "summary": {
                    a.program_id: {label: str(cells[i]) for label, cells in rows}
                    for i, a in enumerate(results)
                },
                "assessments": models_json(list(results)),
            }
            if scenario:
                doc["scenario"] = {
                    "name": scenario,
                    "status": "proposed",
                    "not_law": True,
                    "programs": {
                        pid: cp.program.scenarios[scenario].model_dump(mode="json", by_alias=True)
                        for pid, cp in proposed.items()
                    },
                    "assessments": models_json(list(if_adopted)),
                }
            dump_json(doc)
            return
        who = profile.name or profile_path.name
        glance = render._("%(who)s: every program on %(date)s, at a glance")
        glanced = matrix(
            catalog, results, facts, asked_in(programs_dir) or declarations(), settings
        )
        out.print(render.matrix_table(glanced, glance % {"who": who, "date": day}))
        title = render._("%(who)s: every program on %(date)s") % {"who": who, "date": day}
        out.print(render.comparison(results, title, shown, asked_in(programs_dir), facts))
        for cp, a in zip(proposed.values(), if_adopted, strict=True):
            sc = cp.program.scenarios[scenario or ""]
            head = (
                f"If {sc.label.en} (scenario {scenario}: proposed, docket {sc.docket}; not law) "
                f"- {cp.id} on {day}"
            )
            out.print(render.comparison([a], head, shown, asked_in(programs_dir)))


def _scenario_programs(
    catalog: dict[str, CompiledProgram], scenario: str
) -> dict[str, CompiledProgram]:
    found = {pid: cp for pid, cp in catalog.items() if scenario in cp.program.scenarios}
    if not found:
        known = sorted({s for cp in catalog.values() for s in cp.program.scenarios})
        raise UserError(
            f"--scenario: unknown scenario {scenario!r} (known: {', '.join(known) or 'none'})"
        )
    return found


IgnoreUnknownOption = Annotated[
    bool,
    typer.Option(
        "--ignore-unknown-columns",
        help="Let columns that are not facts through (they are not read).",
    ),
]


@app.command("assess-batch")
def assess_batch(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT")],
    output: Annotated[Path, typer.Option("--out", help="Output .parquet, .csv or .jsonl")],
    on: OnOption = None,
    program: Annotated[list[str] | None, typer.Option("--program", help="Repeatable.")] = None,
    chunk: ChunkOption = 200_000,
    settings_path: SettingsOption = None,
    programs_dir: ProgramsDirOption = None,
    use_dask: DaskOption = False,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    ignore_unknown: IgnoreUnknownOption = False,
    lang: LangOption = None,
) -> None:
    """Assess a population file (Parquet/CSV of facts, or JSONL of profiles) in one pass."""
    # Polars and the simulation backends are imported here so the other commands start fast.
    from talentvisa.simulation.population import Population
    from talentvisa.simulation.run import assess_job, execute

    with user_errors(), speaking(lang_of(lang)):
        day = date_option(on)
        out_option(output)
        backend = simulation_cli.backend_for(use_dask, workers, scheduler, chunk)
        catalog, settings = catalog_and_settings(programs_dir, settings_path)
        chosen = [pick(catalog, p) for p in program] if program else list(catalog.values())
        simulation_cli.check_input(err, input_path, chosen, None, ignore_unknown)
        population = Population.open(input_path)
        job, columns = assess_job(chosen, day, settings, population)
        with simulation_cli.progress_bar(err, _("assessing"), population.rows) as done:
            got = execute(population, backend, job, columns, output, done=done)
        err.print(_("wrote {n} rows to {path}").format(n=got.people, path=output))
        err.print(simulation_cli.assess_table(got.counts, [cp.id for cp in chosen]))


@app.command()
def simulate(
    input_path: Annotated[Path, typer.Argument(metavar="POPULATION")],
    reform_path: Annotated[
        Path | None,
        typer.Option(
            "--reform", help="Reform YAML: hypothetical, dated parameter values (not law)."
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Instead of --reform: a program's proposed scenario."),
    ] = None,
    on: OnOption = None,
    program: Annotated[
        list[str] | None, typer.Option("--program", help="Repeatable (default: all).")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Also count per value of this population column."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--out", help="Per-person results: .parquet, .csv or .jsonl."),
    ] = None,
    summary_json: Annotated[
        Path | None, typer.Option("--summary-json", help="Write the summary as JSON.")
    ] = None,
    use_dask: DaskOption = False,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    chunk: ChunkOption = 1_000_000,
    settings_path: SettingsOption = None,
    programs_dir: ProgramsDirOption = None,
    ignore_unknown: IgnoreUnknownOption = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write PNG charts into this directory.")
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show every program, not only those that change.")
    ] = False,
    lang: LangOption = None,
) -> None:
    """What if: assess a population under the law and under a hypothetical reform."""
    import time

    from talentvisa.simulation.population import Population
    from talentvisa.simulation.reform import load_reform, reform_of_scenario
    from talentvisa.simulation.run import SimulationRun

    with user_errors(), speaking(lang_of(lang)):
        day = date_option(on)
        out_option(output)
        backend = simulation_cli.backend_for(use_dask, workers, scheduler, chunk)
        catalog, settings = catalog_and_settings(programs_dir, settings_path)
        if (reform_path is None) == (scenario is None):
            raise UserError("give one of --reform FILE or --scenario NAME")
        if scenario is not None:
            reform = reform_of_scenario(scenario, catalog)
        else:
            assert reform_path is not None
            reform = load_reform(reform_path, catalog)
        chosen = [pick(catalog, p) for p in program] if program else list(catalog.values())
        run = SimulationRun(chosen, day, reform, settings, by=by)
        checked = simulation_cli.check_input(err, input_path, chosen, by, ignore_unknown)
        population = Population.open(input_path)
        run.check(population)
        with simulation_cli.kept(backend):  # one cluster for the selection and the run
            # before the run, so a bad block fails at once
            selection = simulation_cli.cap_selection(backend, population, reform, by)
            started = time.perf_counter()
            with simulation_cli.progress_bar(
                err, _("simulating ({backend})").format(backend=backend.name), population.rows
            ) as done:
                summary, header = run.execute(population, backend, output, done)
            seconds = time.perf_counter() - started
        if summary_json is not None:
            doc = {
                **header,
                "population_check": {
                    "missing_facts": list(checked.missing),
                    "ignored_columns": list(checked.ignored),
                },
                "summary": summary.as_json(),
            }
            if selection is not None:
                doc["selection"] = {
                    **simulation_cli.selection_json(selection.by_group, selection.by),
                    "baseline_caps": selection.caps,
                }
            tmp = summary_json.with_name(summary_json.name + ".part")
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", "utf-8")
            tmp.replace(summary_json)
        out.print(simulation_cli.summary_view(summary, header, show_all))
        if selection is not None:
            out.print(simulation_cli.selection_view(selection.by_group, selection.by))
            out.print(simulation_cli.cap_citations(selection.caps))
        if plot is not None:
            from talentvisa.simulation.charts import write_charts, write_selection_chart

            charts = write_charts(summary, plot, header["reform"]["title"])
            if selection is not None:
                title = header["reform"]["title"]
                charts.append(write_selection_chart(selection.by_level, plot, title))
            for chart in charts:
                err.print(_("wrote {path}").format(path=chart))
        rate = summary.n / seconds if seconds > 0 else 0.0
        err.print(
            _("{n} rows in {seconds}s ({rate}/s, {backend})").format(
                n=f"{summary.n:,}",
                seconds=f"{seconds:.1f}",
                rate=f"{rate:,.0f}",
                backend=backend.name,
            )
        )
        for path in (output, summary_json):
            if path is not None:
                err.print(_("wrote {path}").format(path=path))


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
    facts: Annotated[
        bool, typer.Option("--facts", help="The batch column schema (one row of facts) instead.")
    ] = False,
) -> None:
    """Export the JSON Schema of program files (or of profiles, or of a population row)."""
    if profile and facts:
        raise fail("give one of --profile and --facts")
    if facts:
        doc = facts_schema(declarations())
    else:
        model = Profile if profile else Program
        doc = model.model_json_schema(by_alias=True)
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if output:
        output.write_text(text, "utf-8")
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


# The guidance commands use the helpers above, so they join the app once those exist.
from talentvisa.cli import guidance as _guidance  # noqa: E402

_guidance.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()


def main() -> None:
    """The `talentvisa` command: a usage error is one line on stderr and exit 2.

    Click's standalone mode prints a boxed usage screen; people and scripts alike are better
    served by one line that names the option, as every other error here is. Typer vendors its
    own Click, so its exceptions come from there rather than from the `click` package.
    """
    from typer._click import exceptions as click_errors

    try:
        code = app(standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        assert exc.ctx is not None
        typer.echo(exc.ctx.get_help())
        raise SystemExit(0) from None
    except click_errors.UsageError as exc:
        where = f"{exc.ctx.command_path}: " if exc.ctx else "talentvisa: "
        typer.echo(f"{where}{exc.format_message()}", err=True)
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        typer.echo("talentvisa: aborted", err=True)
        raise SystemExit(130) from None
    raise SystemExit(code if isinstance(code, int) else 0)
