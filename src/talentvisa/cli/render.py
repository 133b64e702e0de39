"""Rich renderings of programs, assessments and comparisons for the terminal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text as RText

from talentvisa.guidance.costs import PayerRange
from talentvisa.guidance.matrix import Row
from talentvisa.guidance.odds import petition_based, selection_odds
from talentvisa.guidance.words import eligible_words, odds_words
from talentvisa.i18n import N_, active
from talentvisa.rules import compare
from talentvisa.rules.assessment import Assessment, Outcome
from talentvisa.rules.calendar import Calendar
from talentvisa.rules.compiled import CompiledProgram
from talentvisa.rules.declarations import Declarations, declarations
from talentvisa.rules.model import Factor, PointsTable, Program, Text
from talentvisa.rules.refdata import convert

#: Programs per comparison table; more columns than this do not fit a terminal.
COMPARE_COLUMNS = 4

STYLE = {Outcome.eligible: "green", Outcome.ineligible: "red", Outcome.unknown: "yellow"}
SIGN = {Outcome.eligible: "✔", Outcome.ineligible: "✘", Outcome.unknown: "?"}
WORD = {
    Outcome.eligible: N_("eligible"),
    Outcome.ineligible: N_("not eligible"),
    Outcome.unknown: N_("unknown"),
}


def _(message: str) -> str:
    """In the language of the command (--lang), from the portal's catalogs."""
    return active().gettext(message)


def tx(t: Text) -> str:
    """Program content carries its own English and Chinese."""
    return t.zh if active().zh else t.en


def mark(o: Outcome) -> str:
    return f"{SIGN[o]} {_(WORD[o])}"


def missing_text(names: list[str], asked: Declarations | None = None) -> str:
    """Missing answers named by the question that asks them (declared beside the programs;
    ``asked``: a --programs directory's declarations, default the shipped ones)."""
    facts = (asked or declarations()).facts
    return "; ".join(tx(f.question or f.label) if (f := facts.get(n)) else n for n in names)


def outcome_text(o: Outcome) -> RText:
    return RText(mark(o), style=STYLE[o])


def money(amount: float | None, currency: str) -> str:
    return f"{currency} ?" if amount is None else f"{currency} {amount:,.0f}"


def approx(amount: float | None, currency: str, to: str | None, on: dt.date) -> str:
    """A new line ``≈ INR 8,737,969 (approx., rates of 2025-02-28)``, or '' if not applicable."""
    if to is None or to == currency:
        return ""
    c = convert(amount, currency, to, on)
    if c is None:
        return ""
    said = _("approx., rates of %(date)s") % {"date": c.rate_date}
    return f"\n≈ {c.currency} {c.amount:,.0f} ({said})"


def value_text(value: Any) -> str:
    if value is None:
        return "unknown (not published)"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if len(value) <= 12 else f"{len(value)} items"
    return str(value)


def program_list(catalog: dict[str, CompiledProgram], on: dt.date) -> Table:
    t = Table(title=f"Programs ({on})")
    for col in ("id", "name", "country", "category", "in force", "version", "hash"):
        t.add_column(col)
    for cp in catalog.values():
        p = cp.program
        state = "yes" if p.in_force_on(on) else "no"
        t.add_row(p.id, p.name.en, p.country, p.category.value, state, p.version, cp.hash[:12])
    return t


def program_detail(cp: CompiledProgram, on: dt.date | None) -> RenderableType:
    """A program as its file reads: head, parameters, criteria, points, fees, benefits,
    sources, then its open questions and conflicts between sources if it has any."""
    p = cp.program
    parts: list[RenderableType] = [program_head(cp), parameters_table(p, on), criteria_table(p)]
    parts += [points_table(tid, table) for tid, table in p.points.items()]
    parts += [fees_table(p), benefits_table(p), RText("Sources", style="bold")]
    parts += source_lines(p)
    if p.open_questions:
        parts.append(
            Panel("\n".join(f"• {q.question.en}" for q in p.open_questions), title="Open questions")
        )
    if p.conflicts:
        parts.append(conflicts_panel(p))
    return Group(*parts)


def _folded(title: str, columns: tuple[str, ...]) -> Table:
    """A table whose every column folds long text rather than cut it."""
    t = Table(title=title)
    for col in columns:
        t.add_column(col, overflow="fold")
    return t


def program_head(cp: CompiledProgram) -> Panel:
    p = cp.program
    start = p.in_force.start or f"(not encoded; coverage from {p.coverage_from})"
    return Panel(
        f"{p.name.en}\n{p.name.zh}\n\n{p.summary.en}\n\n"
        f"In force from {start}"
        + (f" until {p.in_force.before}" if p.in_force.before else "")
        + f"\nVersion {p.version} · hash {cp.hash}",
        title=p.id,
    )


def parameters_table(p: Program, on: dt.date | None) -> Table:
    """Every value each parameter has had; ★ marks the one in force on ``on``."""
    params = _folded(
        "Parameters and their history" + (f" (★ = in force on {on})" if on else ""),
        ("parameter", "from", "until", "value", "sources"),
    )
    for name, param in p.parameters.items():
        for v in param.values:
            current = on is not None and v.start <= on and (v.before is None or on < v.before)
            until = str(v.before) if v.before else ("open-ended" if v.open_ended else "")
            urls = ", ".join(v.source)
            setting = " [deployer may set]" if param.deployer_setting else ""
            params.add_row(
                ("★ " if current else "") + name + setting,
                str(v.start),
                until,
                value_text(v.value) + (f"\n({v.note.en})" if v.note else ""),
                urls,
            )
    return params


def criteria_table(p: Program) -> Table:
    crit = Table(title="Criteria")
    crit.add_column("criterion")
    crit.add_column("rule", overflow="fold")
    crit.add_column("label")
    for cid, c in p.criteria.items():
        rule = c.as_expression() + "".join(
            f"\n  except {e.id}: when {e.when} → {e.then}" for e in c.exceptions
        )
        crit.add_row(cid, rule, c.label.en)
    return crit


def points_table(tid: str, table: PointsTable) -> Table:
    pt = _folded(f"Points table {tid}: {table.label.en}", ("factor", "cap", "scoring", "sources"))
    for fid, f in table.factors.items():
        pt.add_row(fid, f"{f.cap:g}", factor_scoring(f), ", ".join(f.source))
    for gid, g in table.groups.items():
        how = f"{g.label.en}: sum of {', '.join(g.factors)}, then capped"
        pt.add_row(f"group {gid}", f"{g.cap:g}", how, ", ".join(g.source))
    return pt


def factor_scoring(f: Factor) -> str:
    """How a factor scores, in one line: its bands as half-open ranges, rules or formula."""
    if f.bands is not None:
        return f"{f.input}: " + "; ".join(
            f"[{b.at_least if b.at_least is not None else '-∞'}, "
            f"{b.below if b.below is not None else '∞'}) → {b.points:g}"
            for b in f.bands
        )
    if f.rules is not None:
        return f"{f.combine} of: " + "; ".join(f"{r.when} → {r.points:g}" for r in f.rules)
    return f"formula: {f.formula}"


def fees_table(p: Program) -> Table:
    fees = _folded("Fees", ("fee", "amount", "currency", "payer", "frequency", "when"))
    for fid, fee in p.fees.items():
        fees.add_row(fid, fee.amount, fee.currency, fee.payer.value, fee.frequency.value, fee.when)
    return fees


def source_lines(p: Program) -> list[RText]:
    # One line each, never wrapped, so that every URL stays whole and clickable.
    return [
        RText(
            f"  {sid}: {src.url} — {src.title} (read {src.read}, {src.reliability.value})",
            no_wrap=True,
            overflow="ignore",
        )
        for sid, src in p.sources.items()
    ]


def conflicts_panel(p: Program) -> Panel:
    return Panel(
        "\n".join(
            f"• {c.about.en}: chose {c.chosen.en}; rejected {c.rejected.en}. {c.why.en}"
            for c in p.conflicts
        ),
        title="Conflicts between sources",
    )


def benefits_table(p: Program) -> Table:
    t = Table(title="Benefits")
    t.add_column("benefit")
    t.add_column("value", overflow="fold")
    for key, b in p.benefits:
        t.add_row(key, f"{b.summary.en}" + ("" if b.value is not None else " [unknown]"))
    return t


def assessment_detail(a: Assessment, asked: Declarations | None = None) -> RenderableType:
    head = RText.assemble(
        (f"{tx(a.program_name)} ", "bold"),
        _("on %(date)s: ") % {"date": a.on},
        outcome_text(a.outcome),
        f"\n{_('program')} {a.program_id} v{a.program_version} · hash {a.program_hash[:16]}",
    )
    parts: list[RenderableType] = [head]
    for note in a.notes:
        parts.append(RText(_("note: %(note)s") % {"note": note}, style="dim"))
    if a.criteria:
        t = Table(title=_("Criteria"))
        for col in ("", _("criterion"), _("read"), _("missing"), _("parameters")):
            t.add_column(col, overflow="fold")
        for c in a.criteria:
            read = ", ".join(
                [f"{k}={'?' if v is None else value_text(v)}" for k, v in c.facts.items()]
                + [f"{k}={_range(*v)}" for k, v in c.points.items()]
                + [f"{k}={v.value}" for k, v in c.criteria.items()]
            )
            label = tx(c.label) + (
                " [" + _("exception: %(id)s") % {"id": c.exception} + "]" if c.exception else ""
            )
            t.add_row(
                outcome_text(c.outcome),
                label,
                read,
                missing_text(c.missing, asked),
                ", ".join(c.parameters),
            )
        parts.append(t)
    for pts in a.points:
        t = Table(title=f"{_('Points')}: {tx(pts.label)} = {_range(pts.min, pts.max)}")
        for col in (_("factor"), _("points"), _("cap"), _("missing")):
            t.add_column(col)
        for f in pts.factors:
            t.add_row(
                tx(f.label), _range(f.min, f.max), f"{f.cap:g}", missing_text(f.missing, asked)
            )
        for g in pts.groups:
            t.add_row(f"{_('subtotal')}: {tx(g.label)}", _range(g.min, g.max), f"{g.cap:g}", "")
        parts.append(t)
    if a.tiers:
        tiers = ", ".join(f"{k}: {mark(v)}" for k, v in a.tiers.items())
        parts.append(RText(f"{_('Tiers')}: {tiers}"))
    if a.fees:
        t = Table(title=_("Fees"))
        for col in (_("fee"), _("status"), _("amount"), _("payer"), _("frequency")):
            t.add_column(col)
        for fee in a.fees:
            status = fee.status.value + (f" ({_('optional')})" if fee.optional else "")
            t.add_row(
                tx(fee.label),
                status,
                money(fee.amount, fee.currency),
                fee.payer.value,
                fee.frequency.value,
            )
        parts.append(t)
    if a.contested:
        parts.append(contested_panel([a]))
    if a.parameters:
        t = Table(title=_("Parameters read"))
        for col in (_("parameter"), _("value"), _("origin"), _("source")):
            t.add_column(col, overflow="fold")
        for p in a.parameters:
            t.add_row(p.name, value_text(p.value), p.origin, "\n".join(s.url for s in p.sources))
        parts.append(t)
    if a.open_questions:
        parts.append(
            Panel(
                "\n".join(
                    f"• {tx(q.question)}"
                    + (f" ({_('setting')}: {q.deployer_setting})" if q.deployer_setting else "")
                    for q in a.open_questions
                ),
                title=_("Open questions that touch this result"),
            )
        )
    return Group(*parts)


def contested_panel(assessments: list[Assessment]) -> Panel:
    """Each contested value: its readings side by side with their sources, and the orders."""
    lines: list[str] = []
    for a in assessments:
        for c in a.contested:
            until = _(" until %(date)s") % {"date": c.valid_before} if c.valid_before else ""
            since = _("from %(date)s") % {"date": c.valid_from}
            lines.append(f"{a.program_id}.{c.parameter} ({tx(c.description)}), {since}{until}:")
            for r in c.readings:
                chosen = (
                    "  ← " + _("the chosen reading, not law") if r.id == c.deployer_choice else ""
                )
                lines.append(f"  • {tx(r.label)} [{value_text(r.value)}]{chosen}")
                lines.extend(f"      {_('source')}: {s.url}" for s in r.sources)
            lines.append(f"  {_('Court orders:')}")
            lines.extend(
                f"    {o.date} {o.court}, {o.case}: {tx(o.effect)}\n      {o.url}" for o in c.orders
            )
            if c.pending is not None:
                when = f" ({c.pending_date})" if c.pending_date else f" ({_('no date set')})"
                lines.append(f"  {_('pending')}: {tx(c.pending)}{when}")
            if c.deployer_choice is None:
                lines.append("  " + _("no reading is chosen: the value is unknown"))
    return Panel("\n".join(lines), title=_("Contested law"), expand=False)


def _range(lo: float, hi: float) -> str:
    return f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"


def cost_text(a: Assessment, payer: str, to: str | None = None) -> str:
    lines = []
    for t in compare.costs(a, payer):
        line = money(t.due, t.currency) + approx(t.due, t.currency, to, a.on)
        if t.unknown_fees:
            names = ", ".join(tx(a.fee(f).label) for f in t.unknown_fees)
            line += f" + {_('unknown')} ({names})"
        lines.append(line)
    return "\n".join(lines) or _("none")


def reasons_text(a: Assessment, asked: Declarations | None = None) -> str:
    if a.notes and not a.criteria:
        return "; ".join(a.notes)
    labels = []
    for c in compare.deciding(a):
        missing = (
            f" — {_('Missing answers:')} {missing_text(c.missing, asked)}" if c.missing else ""
        )
        labels.append(f"{SIGN[c.outcome]} {tx(c.label)}{missing}")
    return "\n".join(labels)


#: Row titles of the benefits in compare.BENEFIT_ROWS.
BENEFIT_TITLES = {
    "job_offer_required": N_("Job offer needed"),
    "sponsor_required": N_("Sponsor needed"),
    "work_allowed": N_("Work allowed"),
    "entries": N_("Entries"),
    "validity": N_("Validity"),
    "max_stay": N_("Stay"),
    "family": N_("Family"),
    "pr_route": N_("Route to PR"),
    "language": N_("Language"),
}
#: Row titles of the comparison (kept in English as the keys of `compare --json`).
ROW_TITLES = (
    N_("Eligibility"),
    N_("Deciding reasons"),
    N_("Cost to applicant"),
    N_("Cost to employer"),
    N_("Large payments due"),
    N_("Selection"),
    N_("Open questions"),
)


def outcome_cell(a: Assessment, facts: Mapping[str, Any] | None) -> RText:
    """The outcome; for a capped program, what "eligible" means and this person's chance."""
    cell = outcome_text(a.outcome)
    if facts is not None and petition_based(a):
        said = eligible_words(selection_odds(a, facts), active())
        if said:
            cell.append(f"\n{said}")
    return cell


def compare_rows(
    assessments: list[Assessment],
    currency: str | None = None,
    asked: Declarations | None = None,
    facts: Mapping[str, Any] | None = None,
) -> list[tuple[str, list[str | RText]]]:
    """Rows of the comparison. ``currency``: also show money, approximately, in this one.
    ``facts``: the profile's facts, for this person's selection odds (else the published
    rate)."""

    def benefit(a: Assessment, key: str) -> str:
        b = compare.benefit(a, key)
        return tx(b.summary) + (f" ({_('unknown')})" if b.value is None else "")

    def odds(a: Assessment) -> str:
        if facts is not None:
            return odds_words(selection_odds(a, facts), active())
        sel = compare.selection(a)
        if sel is None:
            return "no capped selection"
        caps = " + ".join(f"{v:,}" if v is not None else "unknown" for v in sel.caps)
        shown = f"{sel.rate:.1%}" if sel.rate is not None else "unknown"
        return f"capped ({caps}); last published selection rate {shown}"

    def proclamation(a: Assessment) -> str:
        due = [
            f"{tx(f.label)}:\n{money(f.amount, f.currency)} {_('paid by')} {_(f.payer.value)}"
            + approx(f.amount, f.currency, currency, a.on)
            for f in compare.large_payments(a)
        ]
        contested = [
            f"{tx(f.label)}: {_('contested')}\n"
            + "\n".join(f"• {tx(r.label)}: {money(r.amount, f.currency)}" for r in f.readings)
            for f in a.fees
            if f.readings and f not in compare.large_payments(a)
        ]
        return "; ".join(due + contested)

    rows: list[tuple[str, list[str | RText]]] = [
        ("Eligibility", [outcome_cell(a, facts) for a in assessments]),
        ("Deciding reasons", [reasons_text(a, asked) for a in assessments]),
        ("Cost to applicant", [cost_text(a, "applicant", currency) for a in assessments]),
        ("Cost to employer", [cost_text(a, "employer", currency) for a in assessments]),
        ("Large payments due", [proclamation(a) or "-" for a in assessments]),
    ]
    for key in compare.BENEFIT_ROWS:
        rows.append((BENEFIT_TITLES[key], [benefit(a, key) for a in assessments]))
    rows += [
        ("Selection", [odds(a) for a in assessments]),
        (
            "Open questions",
            [
                "\n".join(f"• {tx(q.question)}" for q in a.open_questions) or _("none")
                for a in assessments
            ],
        ),
    ]
    return rows


def comparison(
    assessments: list[Assessment],
    title: str,
    currency: str | None = None,
    asked: Declarations | None = None,
    facts: Mapping[str, Any] | None = None,
) -> RenderableType:
    """Side-by-side tables, a few programs each so that every column stays readable."""
    rows = compare_rows(assessments, currency, asked, facts)
    tables: list[RenderableType] = []
    for start in range(0, len(assessments), COMPARE_COLUMNS):
        chunk = assessments[start : start + COMPARE_COLUMNS]
        part = f" ({start // COMPARE_COLUMNS + 1}/{-(-len(assessments) // COMPARE_COLUMNS)})"
        t = Table(
            title=title + (part if len(assessments) > COMPARE_COLUMNS else ""), show_lines=True
        )
        t.add_column("", style="bold")
        for a in chunk:
            t.add_column(f"{tx(a.program_name)}\n[{a.program_id}]", overflow="fold")
        for label, cells in rows:
            t.add_row(_(label), *cells[start : start + COMPARE_COLUMNS])
        tables.append(t)
    if any(a.contested for a in assessments):
        tables.append(contested_panel(assessments))
    if currency:
        tables.append(
            RText(
                _(
                    "≈ amounts: %(currency)s, approximate (dated reference rates); display "
                    "only, never used for eligibility."
                )
                % {"currency": currency},
                style="dim",
            )
        )
    return Group(*tables)


#: How the terminal words each kind of calendar entry.
CALENDAR_WORDS = {
    "starts": "starts",
    "changes": "changes",
    "turns_unknown": "ends with no successor: answers turn unknown",
    "contested": "contested",
    "proposed": "proposed, not law",
    "program_ends": "program ends",
    "open_question": "open question",
}


def calendar_view(cal: Calendar) -> RenderableType:
    t = Table(title=f"What changes from {cal.start} for {cal.days} days (until {cal.until})")
    for col in ("date", "program", "item", "what", "value", "source"):
        t.add_column(col, overflow="fold")
    for e in cal.events:
        what = CALENDAR_WORDS[e.kind.value]
        if e.last_day is not None:
            what += f" (last day of the old value {e.last_day})"
        value = value_text(e.value) if e.kind.value not in ("turns_unknown",) else "unknown"
        if e.previous is not None:
            value = f"{value_text(e.previous)} → {value}"
        t.add_row(
            str(e.date), e.program, f"{e.item}: {e.label.en}", what, value, "\n".join(e.sources)
        )
    p = Table(title="Contested, proposed and open: what is pending")
    for col in ("program", "item", "status", "pending event", "source"):
        p.add_column(col, overflow="fold")
    for e in cal.pending:
        event = "" if e.pending is None else e.pending.en
        if e.kind.value in ("contested", "proposed"):
            event += f" ({e.pending_date})" if e.pending_date else " (no date set)"
        p.add_row(
            e.program,
            f"{e.item}: {e.label.en}",
            CALENDAR_WORDS[e.kind.value],
            event,
            "\n".join(e.sources),
        )
    return Group(t, p)


def _payer_text(a: Assessment, ranges: list[PayerRange], to: str | None) -> str:
    """A payer's cost: one amount, or the range left by answers not given (guidance.costs)."""
    lines = []
    for r in ranges:
        line = money(r.low, r.currency) + approx(r.low, r.currency, to, a.on)
        if r.high != r.low:
            high = money(r.high, r.currency) + approx(r.high, r.currency, to, a.on)
            line = _("%(low)s to %(high)s") % {"low": line, "high": high}
        if r.unknown:
            line += f" + {_('unknown')}"
        lines.append(line)
    return "\n".join(lines) or _("none")


def matrix_table(rows: list[Row], title: str, currency: str | None = None) -> Table:
    """The comparison at a glance, one program a row (guidance.matrix), before the details."""
    t = Table(title=title, show_lines=True)
    for col in (
        N_("Program"),
        N_("Outcome"),
        N_("Cost to you"),
        N_("Cost to an employer"),
        N_("Odds"),
        N_("Job offer needed"),
        N_("Route to PR"),
    ):
        t.add_column(_(col), overflow="fold")
    for r in rows:
        a = r.assessment
        outcome = outcome_text(a.outcome)
        said = eligible_words(r.odds, active()) if r.petition_based else None
        if said:
            outcome.append(f"\n{said}")
        t.add_row(
            tx(a.program_name),
            outcome,
            _payer_text(a, r.applicant, currency),
            _payer_text(a, r.employer, currency),
            odds_words(r.odds, active()),
            tx(r.job_offer.summary),
            tx(r.pr_route.summary),
        )
    return t
