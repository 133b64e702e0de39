"""`talentvisa lottery`: the cap selection over files, without the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from talentvisa.cli.bulletin import fail, read_seed, verify_public
from talentvisa.cli.bulletin import register as register_bulletin
from talentvisa.lottery.odds import (
    Group,
    OddsInputError,
    monte_carlo,
    odds,
    overall_rate,
    plot,
    read_groups,
)
from talentvisa.lottery.registrations import BOOLS, LEVELS, RegistrationError, load
from talentvisa.lottery.rules import SeasonError, parse_season, rule_for
from talentvisa.lottery.run import (
    RoundResult,
    RoundSpec,
    commitment,
    draw,
    new_seed,
    verify,
)
from talentvisa.lottery.select import ALGORITHM, ALGORITHMS

app = typer.Typer(help="H-1B cap selection: commit, draw, verify, odds.", no_args_is_help=True)
out = Console()
err = Console(stderr=True, soft_wrap=True)


@app.command("commit")
def commit_cmd(
    seed_file: Annotated[Path, typer.Option("--seed-file", help="Where to keep the secret seed.")],
    season: Annotated[str, typer.Option(help="Cap season, e.g. FY2027.")] = "FY2027",
) -> None:
    """Make a secret seed and print its commitment, to publish before registration closes."""
    try:
        parse_season(season)
    except SeasonError as exc:
        raise fail(f"--season: {exc}") from None
    if seed_file.exists():
        raise fail(f"--seed-file: {seed_file} exists; a seed is never overwritten")
    seed = new_seed()
    seed_file.write_text(seed.hex() + "\n", "utf-8")
    seed_file.chmod(0o600)
    print(json.dumps({"season": season.upper(), "commitment": commitment(seed)}))


@app.command("draw")
def draw_cmd(
    registrations: Annotated[Path, typer.Argument(metavar="REGISTRATIONS.csv")],
    season: Annotated[str, typer.Option(help="Cap season, e.g. FY2027.")],
    seed_file: Annotated[Path, typer.Option("--seed-file")],
    output: Annotated[Path, typer.Option("--out", help="Selected registrations (CSV).")],
    regular_target: Annotated[
        int, typer.Option("--regular-target", min=0, help="Units to select in the regular round.")
    ],
    advanced_target: Annotated[
        int, typer.Option("--advanced-target", min=0, help="Units for the advanced-degree round.")
    ],
    reveal_path: Annotated[
        Path | None, typer.Option("--reveal", help="Reveal JSON (default: next to --out).")
    ] = None,
    published: Annotated[
        str | None, typer.Option("--commitment", help="Refuse a seed that does not match.")
    ] = None,
) -> None:
    """Run the selection over a registrations file and publish the reveal."""
    try:
        year = parse_season(season)
    except SeasonError as exc:
        raise fail(f"--season: {exc}") from None
    seed = read_seed(seed_file)
    if published and commitment(seed) != published.lower():
        raise fail("--commitment: the seed does not match the published commitment")
    columns = [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("reading and checking registrations", total=None)
        try:
            regs = load(registrations)
        except RegistrationError as exc:
            raise fail(str(exc)) from None

        def on_round(r: RoundResult) -> None:
            progress.update(task, description=f"round {r.round} ({r.cap}) drawn")

        progress.update(task, description="drawing")
        try:
            run = draw(
                regs,
                year,
                seed,
                [RoundSpec("regular", regular_target), RoundSpec("advanced", advanced_target)],
                on_round,
            )
        except SeasonError as exc:
            raise fail(f"--season: {exc}") from None
    output.write_bytes(run.selected_csv())
    reveal = run.reveal()
    target = reveal_path or output.with_name(output.stem + ".reveal.json")
    target.write_text(json.dumps(reveal, indent=2) + "\n", "utf-8")
    table = Table(title=f"FY{year} selection ({run.rule.variant.value})")
    for col in ("round", "cap", "target", "pool", "selected"):
        table.add_column(col, justify="right")
    for r in run.rounds:
        table.add_row(str(r.round), r.cap, f"{r.target:,}", f"{r.pool:,}", f"{r.selected:,}")
    out.print(table)
    out.print(
        f"registrations {reveal['registrations']:,} · invalid duplicates "
        f"{reveal['invalid_duplicates']:,} · units {reveal['units']:,}\n"
        f"selected registrations written to {output}\nreveal written to {target}\n"
        f"anyone can check it: talentvisa lottery verify {registrations} --reveal {target} "
        f"--selected {output} --commitment {reveal['commitment']}"
    )


@app.command("verify")
def verify_cmd(
    reveal_path: Annotated[Path, typer.Option("--reveal")],
    selected: Annotated[Path, typer.Option("--selected")],
    registrations: Annotated[
        Path | None,
        typer.Argument(metavar="[REGISTRATIONS.csv]", help="The agency's full list."),
    ] = None,
    bulletin: Annotated[
        Path | None, typer.Option("--bulletin", help="The public bulletin instead of the list.")
    ] = None,
    published: Annotated[
        str | None, typer.Option("--commitment", help="The commitment published beforehand.")
    ] = None,
    root: Annotated[
        str | None, typer.Option("--root", help="The bulletin root fixed at the close.")
    ] = None,
    beacon_round: Annotated[
        int | None, typer.Option("--beacon-round", help="The beacon round announced.")
    ] = None,
) -> None:
    """Re-run a published selection and confirm a byte-identical list (exit 1 if not)."""
    if (registrations is None) == (bulletin is None):
        raise fail("give either REGISTRATIONS.csv (the full list) or --bulletin bulletin.csv")
    if bulletin is not None:
        verify_public(bulletin, reveal_path, selected, published, root, beacon_round)
        return
    assert registrations is not None
    try:
        reveal = json.loads(reveal_path.read_text("utf-8"))
        # A published run is re-read under the unit definition it was drawn with.
        algorithm = reveal.get("algorithm") if isinstance(reveal, dict) else None
        regs = load(registrations, algorithm if algorithm in ALGORITHMS else ALGORITHM)
        selected_bytes = selected.read_bytes()
    except (OSError, json.JSONDecodeError, RegistrationError) as exc:
        raise fail(str(exc)) from None
    result = verify(regs, reveal, selected_bytes, published)
    if result.ok:
        out.print(f"[green]verified[/green]: {reveal['season']} selection reproduced exactly")
        return
    for problem in result.problems:
        err.print(f"[red]mismatch:[/red] {problem}", highlight=False)
    raise typer.Exit(1)


register_bulletin(app)

LEVEL_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _groups_from_flags(counts: list[str]) -> list[Group]:
    """`--count LEVEL:ADVANCED:N`, e.g. `--count IV:yes:12000`."""
    groups = []
    for i, text in enumerate(counts, start=1):
        parts = text.split(":")
        level = LEVELS.get(parts[0].strip().upper()) if len(parts) == 3 else None
        advanced = BOOLS.get(parts[1].strip().lower()) if len(parts) == 3 else None
        if level is None or advanced is None or not parts[2].strip().isdigit():
            raise fail(
                f"--count #{i} {text!r}: expected LEVEL:ADVANCED:N, e.g. IV:yes:12000 "
                "(LEVEL I-IV, ADVANCED yes/no, N a whole number)"
            )
        groups.append(Group(level, advanced, int(parts[2])))
    return groups


@app.command("odds")
def odds_cmd(
    regular_target: Annotated[int, typer.Option("--regular-target", min=0)],
    advanced_target: Annotated[int, typer.Option("--advanced-target", min=0)],
    groups_csv: Annotated[
        Path | None, typer.Option("--groups", help="CSV: wage_level,advanced,count")
    ] = None,
    count: Annotated[
        list[str] | None, typer.Option("--count", help="LEVEL:ADVANCED:N, repeatable.")
    ] = None,
    season: Annotated[str, typer.Option(help="Cap season: picks random or weighted.")] = "FY2027",
    runs: Annotated[int, typer.Option(min=2, help="Monte Carlo runs.")] = 20,
    plot_path: Annotated[
        Path | None, typer.Option("--plot", help="Write a PNG: random vs weighted by level.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Selection probability per wage level and degree: analytic and Monte Carlo."""
    try:
        rule = rule_for(parse_season(season))
        if groups_csv is not None:
            groups = read_groups(groups_csv)
        elif count:
            groups = _groups_from_flags(count)
        else:
            raise fail("give the pool with --groups FILE.csv or --count LEVEL:ADVANCED:N")
    except (SeasonError, OddsInputError) as exc:
        raise fail(str(exc)) from None
    weights = rule.weights
    analytic = odds(groups, weights, regular_target, advanced_target)
    columns = [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        progress.add_task(f"Monte Carlo, {runs} runs of the real selection", total=None)
        simulated = monte_carlo(groups, weights, regular_target, advanced_target, runs=runs)
    rows: list[dict[str, Any]] = []
    for a, m in zip(analytic, simulated, strict=True):
        rows.append(
            {
                "wage_level": LEVEL_NAMES[a.group.wage_level],
                "advanced": a.group.advanced,
                "count": a.group.count,
                "round1": a.p_round1,
                "round2": a.p_round2,
                "overall": a.p_overall,
                "monte_carlo_overall": m.p_overall,
                "monte_carlo_se": m.se_overall,
            }
        )
    summary = {
        "season": season.upper(),
        "variant": rule.variant.value,
        "pool": sum(g.count for g in groups),
        "overall_rate": overall_rate(analytic),
        "monte_carlo_overall_rate": overall_rate(simulated),
        "groups": rows,
    }
    if plot_path is not None:
        plot(
            odds(groups, rule_for(2026).weights, regular_target, advanced_target),
            odds(groups, rule_for(2027).weights, regular_target, advanced_target),
            plot_path,
        )
        summary["plot"] = str(plot_path)
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    table = Table(title=f"{season.upper()} selection odds ({rule.variant.value})")
    for col in ("level", "US adv.", "count", "round 1", "round 2", "overall", "Monte Carlo"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            r["wage_level"],
            "yes" if r["advanced"] else "no",
            f"{r['count']:,}",
            f"{r['round1']:.1%}",
            f"{r['round2']:.1%}",
            f"{r['overall']:.1%}",
            f"{r['monte_carlo_overall']:.1%} ± {r['monte_carlo_se'] or 0:.1%}",
        )
    out.print(table)
    out.print(
        f"pool {summary['pool']:,} · overall selection rate {summary['overall_rate']:.2%} "
        f"(Monte Carlo {summary['monte_carlo_overall_rate']:.2%})"
        + (f" · plot written to {plot_path}" if plot_path else "")
    )
