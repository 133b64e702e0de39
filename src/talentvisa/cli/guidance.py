"""`talentvisa path` and `talentvisa timeline`: what would make a person eligible, and when.

The commands are added to the main app by :func:`register`, after cli/main.py has defined the
helpers they share with `check` and `compare` (options, user errors, JSON output).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from talentvisa.cli import main as m
from talentvisa.cli.lang import LangOption, lang_of
from talentvisa.guidance import words
from talentvisa.guidance.path import Path as GuidancePath
from talentvisa.guidance.path import ProgramPath, path
from talentvisa.guidance.timeline import Timeline, timeline
from talentvisa.i18n import Lang
from talentvisa.rules.assessment import Outcome
from talentvisa.rules.declarations import Declarations, declarations
from talentvisa.rules.facts import facts_of

ProfileArg = Annotated[Path, typer.Argument(metavar="PROFILE.yaml")]


def path_command(
    profile_path: ProfileArg,
    program: Annotated[str | None, typer.Option("--program", help="Only this program.")] = None,
    on: m.OnOption = None,
    as_json: m.JsonOption = False,
    settings_path: m.SettingsOption = None,
    lang: LangOption = None,
) -> None:
    """What would make you eligible: the questions that decide each unknown outcome, and the
    smallest changes you can make that turn a 'not eligible' (each checked by the engine)."""
    with m.user_errors():
        speak = lang_of(lang)
        day = m.date_option(on)
        catalog, settings = m.catalog_and_settings(None, settings_path)
        chosen = {program: m.pick(catalog, program)} if program else catalog
        facts = facts_of(m.load_profile(profile_path))
        result = path(chosen, facts, day, declarations(), settings)
        if as_json:
            m.dump_json(result.as_json())
            return
        m.out.print(_path_view(result, declarations(), speak), crop=False)


def _path_view(result: GuidancePath, decls: Declarations, lang: Lang) -> Table:
    _ = lang.gettext
    table = Table(title=_("What would make you eligible, on %(date)s") % {"date": result.on})
    table.add_column(_("Program"))
    table.add_column(_("Now"))
    table.add_column(_("What would change it"))
    names = {p.program_id: words.text(p.name, lang) for p in result.programs}
    for p in result.programs:
        table.add_row(names[p.program_id], words.outcome(p.outcome, lang), _advice(p, decls, lang))
    if result.questions:
        table.caption = (
            _("Questions that decide, the most useful first:")
            + "\n"
            + "\n".join(
                f"{i}. {words.text(q.text, lang)} — "
                + _("settles %(n)s, bears on %(m)s: %(programs)s")
                % {
                    "n": len(q.settles),
                    "m": len(q.bears_on),
                    "programs": ", ".join(names[pid] for pid in q.bears_on),
                }
                for i, q in enumerate(result.questions, 1)
            )
        )
        table.caption_justify = "left"
    return table


def _advice(p: ProgramPath, decls: Declarations, lang: Lang) -> str:
    _ = lang.gettext
    if p.outcome == Outcome.eligible:
        return "—"
    lines: list[str] = []
    for i, s in enumerate(p.suggestions, 1):
        lines.append(_("Option %(n)s:") % {"n": i})
        lines += ["  " + words.change(c, decls, lang) for c in s.changes]
        lines += ["  " + words.requirement(t, v, decls, lang) for t, v in s.requires]
    if p.outcome == Outcome.ineligible and not p.suggestions:
        if p.opens is not None:
            lines.append(_("No change we tried makes it eligible; these make it open:"))
            lines += ["  " + words.change(c, decls, lang) for c in p.opens.changes]
        else:
            lines.append(_("Nothing you can change makes it eligible."))
    if p.missing:
        lines.append(_("Answers that decide it:"))
        lines += ["  " + words.label(f, decls, lang) for f in p.missing]
    if p.silent:
        # One per line, as the answers above: a description is a sentence of its own.
        lines.append(_("Values the law leaves open:"))
        lines += ["  " + words.text(t, lang) for t in p.silent_labels]
    return "\n".join(lines)


def timeline_command(
    profile_path: ProfileArg,
    years: Annotated[int, typer.Option("--years", min=1, max=30, help="How far ahead.")] = 5,
    on: m.OnOption = None,
    as_json: m.JsonOption = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Also draw the chart to this PNG file.")
    ] = None,
    settings_path: m.SettingsOption = None,
    lang: LangOption = None,
) -> None:
    """Each program's outcome over the next years, evaluated on the dates that can change it
    (birthdays, dated thresholds, time windows, the end of a list)."""
    with m.user_errors():
        speak = lang_of(lang)
        day = m.date_option(on)
        if plot is not None and plot.suffix.lower() != ".png":
            raise m.UserError(f"--plot: {plot.name!r} is not a .png file")
        catalog, settings = m.catalog_and_settings(None, settings_path)
        facts = facts_of(m.load_profile(profile_path))
        result = timeline(catalog, facts, declarations(), day, years, settings)
        if plot is not None:
            from talentvisa.guidance.chart import NO_CJK_FONT, draw_png

            try:
                drawn = draw_png(result, plot, speak)
            except OSError as exc:
                raise m.UserError(f"--plot: cannot write {plot}: {exc.strerror}") from None
            if speak.zh and not drawn.zh:
                m.err.print(f"[yellow]warning:[/yellow] --plot: {NO_CJK_FONT}", highlight=False)
        if as_json:
            m.dump_json(result.as_json())
            return
        m.out.print(_timeline_view(result, speak), crop=False)


def _timeline_view(result: Timeline, lang: Lang) -> Table:
    _ = lang.gettext
    title = _("Your eligibility from %(start)s to %(end)s") % {
        "start": result.start,
        "end": result.end,
    }
    table = Table(title=title)
    table.add_column(_("Program"))
    table.add_column(_("Date"))
    table.add_column(_("Outcome"))
    table.add_column(_("Why this date"))
    for p in result.programs:
        for i, pt in enumerate(pt for pt in p.points if pt.changed or pt is p.points[0]):
            mark = "→ " if pt.changed else ""
            table.add_row(
                words.text(p.name, lang) if i == 0 else "",
                pt.on.isoformat(),
                mark + words.outcome(pt.outcome, lang),
                "; ".join(words.reason(r, lang) for r in pt.reasons),
            )
    grow = ", ".join(words.label(n, declarations(), lang) for n in result.accrued)
    table.caption = _(
        "Evaluated on %(n)s dates; only changes are listed. "
        "Assumed: %(facts)s grow one year a year."
    ) % {"n": result.evaluations, "facts": grow or "—"}
    table.caption_justify = "left"
    return table


def register(app: typer.Typer) -> None:
    app.command("path")(path_command)
    app.command("timeline")(timeline_command)
