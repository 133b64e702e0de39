"""The Jinja2 environment: autoescaped templates, gettext per request, locale formatting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from talentvisa.cases import timeline
from talentvisa.rules.model import Text
from talentvisa.web import engine_text, form, labels, times
from talentvisa.web.code_lists import country_options, currency_options
from talentvisa.web.i18n import N_, active
from talentvisa.web.messages import Msg, said

TEMPLATES = Path(__file__).parent / "templates"


def _gettext(message: str) -> str:
    return active().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return active().ngettext(singular, plural, n)


def tx(text: Text | dict[str, str] | str | None) -> str:
    """Program content in the page's language (a plain string is someone's own words)."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, dict):
        return text.get("zh" if active().zh else "en") or text.get("en", "")
    return text.zh if active().zh else text.en


def choice(item: tuple[str, Text]) -> tuple[str, str]:
    """A declared choice (value, bilingual label) as a select option in the page's language."""
    return item[0], tx(item[1])


def day(value: dt.date | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = times.local_day(value)  # the day it was where the viewer is
    return format_date(value, format="medium", locale=active().locale)


def money(amount: float | None, currency: str) -> str:
    if amount is None:
        return _gettext("unknown") + f" ({currency})"
    return format_currency(amount, currency, locale=active().locale)


def number(value: float | int | None) -> str:
    if value is None:
        return _gettext("unknown")
    return format_decimal(value, locale=active().locale)


def percent(value: float | None) -> str:
    if value is None:
        return _gettext("unknown")
    return format_percent(value, format="#,##0.0%", locale=active().locale)


def listing(items: Any, style: str = "standard") -> str:
    """Items as a list in the page's language ("a, b and c", "a、b和c"; style "or": "a, b or
    c")."""
    return format_list([str(i) for i in items], style=style, locale=active().locale)  # type: ignore[arg-type]


def say(msg: Msg | str) -> str:
    return _gettext(msg) if isinstance(msg, str) else said(msg, active())


def label(value: Any, kind: str) -> str:
    """An enum value (outcome, state, role, payer...) in the page's language."""
    return _gettext(labels.of(kind, value))


def unit(value: str | None) -> str:
    return "" if not value else _gettext(labels.unit(value))


def options(kind: str) -> list[tuple[str, str]]:
    """(value, label) pairs of an enum for a select, in the page's language."""
    return [(v, _gettext(m)) for v, m in labels.choices(kind) if v]


def labelled(kind: str, values: list[str]) -> list[tuple[str, str]]:
    return [(v, _gettext(labels.of(kind, v))) for v in values]


def sort_options(sorts: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, _gettext(m)) for k, m in sorts.items()]


ASCENDING, DESCENDING = N_("%(column)s, ascending"), N_("%(column)s, descending")


def sort_choices(sorts: dict[str, str]) -> list[tuple[str, str]]:
    """Each sort both ways, for a select: `name` ascending, `-name` descending."""
    out = []
    for k, m in sorts.items():
        out.append((k, _gettext(ASCENDING) % {"column": _gettext(m)}))
        out.append((f"-{k}", _gettext(DESCENDING) % {"column": _gettext(m)}))
    return out


def staff_options(staff: list[Any]) -> list[tuple[str, str]]:
    return [(str(u.id), f"{u.display_name} ({label(u.role, 'role')})") for u in staff]


def criteria_options(program: Any, prescreen: Any = None) -> list[tuple[str, str]]:
    """Each criterion, with what the pre-screen found for it, so the officer sees it beside
    the box they tick."""
    found = {c.id: c.outcome for c in prescreen.criteria} if prescreen else {}
    return [
        (cid, f"{tx(c.label)} ({label(found[cid], 'outcome')})" if cid in found else tx(c.label))
        for cid, c in program.criteria.items()
    ]


def program_options(programs: list[Any]) -> list[tuple[str, str]]:
    return [(p.id, tx(p.name)) for p in programs]


def documents_options(documents: list[Any]) -> list[tuple[str, str]]:
    return [(d.id, tx(d.label)) for d in documents]


def points_layout(table: Any) -> list[tuple[str | None, str | None]]:
    """A points table in its own order: (factor, None) for a factor outside every group,
    (None, group) for a group, in place of its first member."""
    group_of = {fid: gid for gid, g in table.groups.items() for fid in g.factors}
    out: list[tuple[str | None, str | None]] = []
    for fid in table.factors:
        gid = group_of.get(fid)
        if gid is None:
            out.append((fid, None))
        elif (None, gid) not in out:
            out.append((None, gid))
    return out


def points_missing(points: Any) -> list[str]:
    """The answers (or unpublished parameters) that leave a points total a range."""
    out: dict[str, None] = {}
    for f in points.factors:
        if f.min != f.max:
            out |= dict.fromkeys(f.missing)
    return list(out)


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        tx=tx,
        choice=choice,
        day=day,
        moment=times.moment,
        deadline=times.deadline,
        money=money,
        number=number,
        percent=percent,
        say=say,
        label=label,
        unit=unit,
        listing=listing,
        missing=engine_text.missing,
    )
    env.globals.update(
        options=options,
        country_options=country_options,
        currency_options=currency_options,
        documents_options=documents_options,
        program_options=program_options,
        labelled=labelled,
        sort_options=sort_options,
        sort_choices=sort_choices,
        staff_options=staff_options,
        criteria_options=criteria_options,
        engine_notes=engine_text.notes,
        timeline_entries=timeline.entries,
        points_layout=points_layout,
        points_missing=points_missing,
        number_attributes=form.number_attributes,
    )
    return env


ENV = make_env()
