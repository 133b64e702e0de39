"""`talentvisa lottery`: the cap selection over files, without the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from talentvisa.lottery.registrations import RegistrationError, load
from talentvisa.lottery.rules import SeasonError, parse_season
from talentvisa.lottery.run import (
    RoundResult,
    RoundSpec,
    commitment,
    draw,
    new_seed,
    verify,
)

app = typer.Typer(help="H-1B cap selection: commit, draw, verify, odds.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def read_seed(path: Path) -> bytes:
    try:
        text = path.read_text("utf-8").strip()
    except OSError as exc:
        raise fail(f"--seed-file: cannot read {path}: {exc.strerror}") from None
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        raise fail(f"--seed-file: {path} must hold the seed as hex") from None
    if len(seed) < 16:
        raise fail("--seed-file: the seed must be at least 16 bytes (32 hex digits)")
    return seed


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
    registrations: Annotated[Path, typer.Argument(metavar="REGISTRATIONS.csv")],
    reveal_path: Annotated[Path, typer.Option("--reveal")],
    selected: Annotated[Path, typer.Option("--selected")],
    published: Annotated[
        str | None, typer.Option("--commitment", help="The commitment published beforehand.")
    ] = None,
) -> None:
    """Re-run a published selection and confirm a byte-identical list (exit 1 if not)."""
    try:
        reveal = json.loads(reveal_path.read_text("utf-8"))
        regs = load(registrations)
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
