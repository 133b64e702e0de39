"""Terminal side of `simulate` and `assess-batch`: backends, progress and the summary tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from talentvisa.i18n import N_, active
from talentvisa.simulation.local import Backend, LocalBackend
from talentvisa.simulation.partition import OUTCOMES
from talentvisa.simulation.population import Population
from talentvisa.simulation.reform import Reform
from talentvisa.simulation.summary import Summary

STYLE = {"eligible": "green", "ineligible": "red", "unknown": "yellow"}
#: Words of the analyst's tables, said in the language of --lang (cli/lang.py).
WORDS = {
    "eligible": N_("eligible"),
    "ineligible": N_("ineligible"),
    "unknown": N_("unknown"),
    "baseline": N_("baseline"),
    "reform": N_("reform"),
}


def _(message: str) -> str:
    """In the language of the command (--lang), from the portal's catalogs."""
    return active().gettext(message)


def said(word: str) -> str:
    """An outcome or scenario name in the command's language."""
    return _(WORDS[word]) if word in WORDS else word


class BackendChoiceError(ValueError):
    pass


@contextmanager
def kept(backend: Backend) -> Iterator[Backend]:
    """A Dask backend keeps one cluster (and client) for the whole block; local: nothing."""
    from talentvisa.simulation.cluster import DaskBackend

    if not isinstance(backend, DaskBackend):
        yield backend
        return
    with backend:
        yield backend


@dataclass(frozen=True)
class CapSelection:
    by: str
    by_group: pl.DataFrame  # compared_parts per value of `by`
    by_level: pl.DataFrame  # and per wage level, for the chart
    caps: list[dict[str, Any]]  # the baseline's caps with their sources (us_h1b_cap_sources)


def cap_selection(
    backend: Backend, population: Population, reform: Reform, by: str | None
) -> CapSelection | None:
    """A reform's cap selection beside the season's, on the run's backend (None: no block).

    On Dask a Parquet population's row groups are read by the workers and kept there for the
    selection's two passes; otherwise the file is read here.
    """
    if reform.selection is None:
        return None
    from talentvisa.lottery.rules import parse_season
    from talentvisa.simulation.cluster import DaskBackend, DaskPartitions
    from talentvisa.simulation.selection import (
        SELECTION_COLUMNS,
        InMemory,
        compared_parts,
        us_h1b_cap_sources,
    )

    group = by or "wage_level"
    season, block = reform.season or "", reform.selection
    caps = us_h1b_cap_sources(parse_season(season))  # the season was checked with the reform
    if isinstance(backend, DaskBackend) and population.is_parquet:
        wanted = {*SELECTION_COLUMNS, group}
        columns = [c for c in population.columns if c in wanted]
        with ExitStack() as stack:
            parts = DaskPartitions(backend.client(stack), population, columns)
            stack.callback(parts.release)
            return CapSelection(
                group,
                compared_parts(parts, season, block, group),
                compared_parts(parts, season, block, "wage_level"),
                caps,
            )
    # the run's own frame: read once, typed by the one convention (rules/conventions.py)
    people = InMemory(population.frame())
    return CapSelection(
        group,
        compared_parts(people, season, block, group),
        compared_parts(people, season, block, "wage_level"),
        caps,
    )


def backend_for(dask: bool, workers: int | None, scheduler: str | None, chunk: int) -> Backend:
    """In process unless --dask (implied by --workers or --scheduler)."""
    if workers is not None and scheduler is not None:
        raise BackendChoiceError(
            "--workers and --scheduler exclude each other: the cluster has its own workers"
        )
    if not (dask or workers is not None or scheduler is not None):
        return LocalBackend(chunk)
    from talentvisa.simulation.cluster import DaskBackend

    return DaskBackend(workers=workers or 2, scheduler=scheduler)


@contextmanager
def progress_bar(console: Console, label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar in rows; the callback advances it as each partition finishes."""
    columns = [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda rows: progress.advance(task, rows)


def people_text(value: float) -> str:
    """A weighted count: whole people without decimals, else one decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _cell(count: float, people: float) -> str:
    share = 100 * count / people if people else 0.0
    return f"{people_text(count)} ({share:.1f}%)"


def _group_text(value: Any) -> str:
    return "(unknown)" if value is None else str(value)


def summary_view(
    summary: Summary, header: dict[str, Any], show_all: bool = False
) -> RenderableType:
    """Outcomes per program under both scenarios, the changes, and the hypothetical label.

    Only programs (per group) whose outcomes change are shown unless ``show_all``.
    """
    reform = header["reform"]
    by = summary.by
    changed_by_program: dict[tuple[Any, str], int] = {}
    for r in summary.changes.iter_rows(named=True):
        key = (r["group"] if by else None, r["program"])
        changed_by_program[key] = changed_by_program.get(key, 0.0) + r["people"]

    outcomes = Table(
        title=_("What-if on {on}: {title}").format(on=header["on"], title=reform["title"]),
        caption=_(
            "HYPOTHETICAL reform '{name}' (hash {hash}): its values are assumptions, not law. "
            "Baseline: the law (with deployer settings, where given)."
        ).format(name=reform["name"], hash=reform["hash"][:12]),
    )
    if by:
        outcomes.add_column(by)
    outcomes.add_column(_("program"))
    outcomes.add_column(_("scenario"))
    for o in OUTCOMES:
        outcomes.add_column(said(o), justify="right", style=STYLE[o])
    outcomes.add_column(_("changed"), justify="right")
    previous: tuple[Any, str] | None = None
    hidden: set[tuple[Any, str]] = set()
    for r in summary.outcomes.iter_rows(named=True):
        group = r["group"] if by else None
        key = (group, r["program"])
        if not show_all and not changed_by_program.get(key):
            hidden.add(key)
            continue
        first = key != previous
        if first and previous is not None and (by is None or group != previous[0]):
            outcomes.add_section()
        previous = key
        cells = [_cell(r[o], r["people"]) for o in OUTCOMES]
        changed = people_text(changed_by_program.get(key, 0.0)) if r["scenario"] == "reform" else ""
        scenario = Text(said(r["scenario"]), style="bold" if r["scenario"] == "reform" else "")
        outcomes.add_row(
            *([_group_text(group) if first else ""] if by else []),
            r["program"] if first else "",
            scenario,
            *cells,
            changed,
        )

    # a reform that changes only the cap selection changes no program: no empty table
    parts: list[RenderableType] = [outcomes] if outcomes.row_count else [Text(str(outcomes.title))]
    if hidden:
        hid = _("{n} unchanged program rows hidden (--all shows them).").format(
            n=f"{len(hidden):,}"
        )
        parts.append(Text(hid))
    if summary.changes.height:
        changes = Table(title=_("Whose outcome changes (baseline → reform)"))
        if by:
            changes.add_column(by)
        changes.add_column(_("program"))
        changes.add_column(_("from → to"))
        changes.add_column(_("people"), justify="right")
        for r in summary.changes.iter_rows(named=True):
            changes.add_row(
                *([_group_text(r["group"])] if by else []),
                r["program"],
                Text.assemble(
                    (said(r["from"]), STYLE[r["from"]]), " → ", (said(r["to"]), STYLE[r["to"]])
                ),
                people_text(r["people"]),
            )
        parts.append(changes)
    parts.append(
        Text(
            _(
                "{changed} of {people} people ({n_changed} of {n} rows) have a different "
                "outcome in at least one program under the reform."
            ).format(
                changed=people_text(summary.people_changed),
                people=people_text(summary.people),
                n_changed=f"{summary.n_changed:,}",
                n=f"{summary.n:,}",
            )
        )
    )
    cited = population_citation(header)
    if cited is not None:
        parts.append(cited)
    return Group(*parts)


def assess_table(counts: Any, programs: list[str]) -> Table:
    """`assess-batch` totals: weighted people per program and outcome, with the rows behind."""
    from talentvisa.simulation.weights import MICRO

    table = Table(title=_("Outcomes (weighted people; rows in brackets where weights differ)"))
    table.add_column(_("program"))
    for o in OUTCOMES:
        table.add_column(said(o), justify="right", style=STYLE[o])
    table.add_column(_("total"), justify="right")
    for pid in programs:
        got = {r["outcome"]: r for r in counts.filter(program=pid).iter_rows(named=True)}
        cells = []
        picks: list[list[dict[str, Any]]] = [[got[o]] if o in got else [] for o in OUTCOMES]
        for rows in [*picks, list(got.values())]:
            people = sum(r["weight"] for r in rows) / MICRO
            n = sum(r["count"] for r in rows)
            text = people_text(people)
            cells.append(text if people == n else f"{text} ({n:,})")
        table.add_row(pid, *cells)
    return table


def cap_citations(caps: list[dict[str, Any]]) -> Text:
    """The baseline's caps and where the law's values were read."""
    lines = [
        _("Baseline caps: {parameter} = {value} ({sources})").format(
            parameter=c["parameter"],
            value=f"{c['value']:,}",
            sources="; ".join(
                _("{url}, read {read}").format(url=s["url"], read=s["read"]) for s in c["sources"]
            ),
        )
        for c in caps
    ]
    return Text("\n".join(lines))


def population_citation(header: dict[str, Any]) -> Text | None:
    """A synthetic population's model and the source of each marginal (None: not synthetic)."""
    synthetic = header.get("population", {}).get("synthetic")
    if not synthetic:
        return None
    lines = [
        _(
            "Population: synthetic, not microdata, drawn from the model {model} "
            "(total: {source}); marginals:"
        ).format(model=synthetic["model"], source=synthetic["total"]["source"])
    ]
    for m in synthetic["marginals"]:
        derived = _(" (derived or assumed)") if m["derived"] else ""
        lines.append(
            _("  {column}: {url}, read {read}").format(column=m["column"], url=m["source"],
                                                       read=m["read"]) + derived
        )  # fmt: skip
    return Text("\n".join(lines))


def selection_view(table: Any, by: str) -> Table:
    """The cap selection of a reform's `selection:` block beside the season's baseline."""
    view = Table(
        title=_(
            "Cap selection by {by} (expected selections, weighted; rate = selected / people)"
        ).format(by=by),
        caption=_("Exact large-pool odds (talentvisa.lottery.odds); the reform is HYPOTHETICAL."),
    )
    view.add_column(by)
    for name in (
        N_("people"),
        N_("baseline"),
        N_("baseline rate"),
        N_("reform"),
        N_("reform rate"),
        N_("change"),
    ):
        view.add_column(_(name), justify="right")
    for r in table.iter_rows(named=True):
        view.add_row(
            _group_text(r[by]),
            f"{r['people']:,.0f}",
            f"{r['baseline_selected']:,.0f}",
            f"{r['baseline_rate']:.1%}",
            f"{r['reform_selected']:,.0f}",
            f"{r['reform_rate']:.1%}",
            f"{r['reform_selected'] - r['baseline_selected']:+,.0f}",
        )
    return view


def selection_json(table: Any, by: str) -> dict[str, Any]:
    """The same figures as plain data (rounded to 6 digits, like the summary)."""
    rows = [
        {key: round(v, 6) if isinstance(v, float) else v for key, v in r.items()}
        for r in table.rename({by: "group"}).iter_rows(named=True)
    ]
    return {"by": by, "groups": rows}


def check_input(
    err: Console, path: Path, programs: list[Any], by: str | None, ignore_unknown: bool
) -> Any:
    """Validate a population before any work; note the facts it lacks (unknown for all)."""
    from talentvisa.simulation.validate import check_population

    checked = check_population(path, programs, by=by, ignore_unknown=ignore_unknown)
    if checked.missing:
        more = _(" ... (all in --summary-json)") if len(checked.missing) > 8 else ""
        err.print(
            _(
                "note: {n} fact(s) the programs read are not columns of {file}, so unknown for "
                "everyone: {facts}"
            ).format(n=len(checked.missing), file=path.name, facts=", ".join(checked.missing[:8]))
            + more,
            highlight=False,
            markup=False,
        )
    if checked.ignored:
        err.print(
            _("note: columns not read: {columns}").format(columns=", ".join(checked.ignored)),
            highlight=False,
            markup=False,
        )
    return checked
