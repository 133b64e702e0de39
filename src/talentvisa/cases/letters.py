"""Letters to the applicant: the decision letter (approved or refused, with the criteria it
rests on and the officer's reasons) and the visa grant notice, as PDF in the applicant's
language.

A letter is made once, in the transaction in which the decision takes effect (after a
supervisor's confirmation where four eyes apply) or the visa is issued, and stored with its
SHA-256. It is never rendered again: what the applicant downloads next year is what was sent.
Its words come from the message catalogs, its dates and country names from Babel's locale data
(CLDR), and the program's and criteria's names from the program as the pre-screen read it.

Chinese needs a font with CJK glyphs; ReportLab embeds TrueType outlines only, so the fonts
tried are Debian's TrueType CJK packages (`CJK_FONTS`), or the file TALENTVISA_LETTER_FONT
names. Without one no letter can be made, and the decision is refused with a clear error
rather than taking effect without its letter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from babel import Locale
from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from talentvisa.auth.models import User
from talentvisa.cases.models import Application, Letter
from talentvisa.db.base import new_id, now
from talentvisa.i18n import LANGUAGES, Lang
from talentvisa.service_errors import NotFound, ServiceError

#: Debian's TrueType CJK fonts, in order of preference (package: file). Noto CJK ships
#: PostScript outlines, which ReportLab cannot embed, so it is not among them.
CJK_FONTS: tuple[tuple[str, Path, int], ...] = (
    ("fonts-wqy-microhei", Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
    ("fonts-wqy-zenhei", Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    ("fonts-arphic-uming", Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
    ("fonts-droid-fallback", Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"), 0),
)
FONT_ENV = "TALENTVISA_LETTER_FONT"
FONT_NAME = "TalentvisaCJK"
KINDS = ("decision", "grant")


class LetterFontMissing(ServiceError):
    status, code = 503, "letters_unavailable"


@dataclass(frozen=True)
class Facts:
    """What a letter says, read from the case when it is made."""

    kind: str
    language: str
    reference: str
    name: str
    nationalities: list[str]
    program: dict[str, str]
    on: dt.date
    decision: str | None
    criteria: list[dict[str, str]]
    text: str
    visa_number: str | None
    terms: dict[str, Any]


def font_file() -> tuple[Path, int]:
    """The CJK TrueType font letters are set in, or LetterFontMissing naming what to install."""
    named = os.environ.get(FONT_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise LetterFontMissing(f"{FONT_ENV}: no font file at {path}", FONT_ENV)
        return path, 0
    for _package, path, index in CJK_FONTS:
        if path.is_file():
            return path, index
    packages = " or ".join(p for p, _, _ in CJK_FONTS[:2])
    raise LetterFontMissing(
        f"letters need a Chinese TrueType font and none is installed: install {packages} "
        f"(apt-get install fonts-wqy-microhei), or set {FONT_ENV} to a .ttf/.ttc file"
    )


@cache
def _registered(path: Path, index: int) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    try:
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=index))
    except TTFError as exc:
        raise LetterFontMissing(f"{path}: cannot be used for letters ({exc})", FONT_ENV) from None
    return FONT_NAME


def _text(value: dict[str, str] | None, lang: str) -> str:
    if not value:
        return ""
    return value.get("zh" if lang == "zh_Hans" else "en") or value.get("en", "")


def _country(code: str, locale: Locale) -> str:
    return str(locale.territories.get(code.upper(), code))


def facts_of(session: Session, app: Application, kind: str) -> Facts:
    applicant = session.get(User, app.applicant_id)
    profile = app.profile or {}
    trace = app.prescreen or {}
    labels = {c["id"]: c.get("label") for c in trace.get("criteria", [])}
    when = app.decided_at if kind == "decision" else now()
    return Facts(
        kind=kind,
        language=app.language if app.language in LANGUAGES else "en",
        reference=app.id[:8],
        name=profile.get("name") or (applicant.display_name if applicant else ""),
        nationalities=list(profile.get("nationalities") or []),
        program=trace.get("program_name") or {"en": app.program_id, "zh": app.program_id},
        on=(when or now()).date(),
        decision=app.decision,
        criteria=[labels.get(r) or {"en": r, "zh": r} for r in app.decision_reasons or []],
        text=app.decision_text or "",
        visa_number=app.visa_number,
        terms=dict(app.issued or {}),
    )


def render(facts: Facts) -> bytes:
    """The letter as PDF bytes; the same facts give the same bytes (ReportLab's invariant
    mode leaves out the creation time and the random document id)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    font = _registered(*font_file())
    lang = Lang(facts.language)
    _ = lang.gettext
    wrap = "CJK" if lang.zh else None
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap=wrap)
    title_style = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=8)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    locale = lang.locale
    title = (
        _("Decision on your application") if facts.kind == "decision" else _("Visa grant notice")
    )
    rows = [
        (_("Reference"), facts.reference),
        (_("Applicant"), facts.name),
        (_("Nationality"), ", ".join(_country(c, locale) for c in facts.nationalities)),
        (_("Program"), _text(facts.program, facts.language)),
        (_("Date"), format_date(facts.on, format="long", locale=locale)),
    ]
    story: list[Any] = [p(title, title_style)]
    story.append(
        Table(
            [[p(k), p(v)] for k, v in rows],
            colWidths=[40 * mm, 120 * mm],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        )
    )
    story.append(Spacer(1, 6 * mm))
    story += _decision(facts, p, _) if facts.kind == "decision" else _grant(facts, p, _, locale)
    story.append(Spacer(1, 8 * mm))
    story.append(
        p(
            _(
                "The agency keeps this letter as it was sent, with its SHA-256; the copy you "
                "download from your case page is the same file."
            )
        )
    )
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        title=title,
        author="talentvisa",
        subject=facts.reference,
        lang=lang.html,
    )
    doc.build(story)
    return buf.getvalue()


def _decision(facts: Facts, p: Any, _: Any) -> list[Any]:
    approved = facts.decision == "approve"
    out = [p(_("Your application is approved.") if approved else _("Your application is refused."))]
    if facts.criteria:
        out.append(p(_("Criteria the decision rests on")))
        out += [p(f"• {_text(c, facts.language)}") for c in facts.criteria]
    if facts.text:
        out.append(p(_("Reasons in words")))
        out.append(p(facts.text))
    if not approved:
        out.append(p(_("You may apply again, or ask the agency how to challenge this decision.")))
    return out


def _grant(facts: Facts, p: Any, _: Any, locale: Locale) -> list[Any]:
    def term(key: str) -> str:
        raw = facts.terms.get(key)
        value = raw.get("value") if isinstance(raw, dict) else raw
        if value is None:
            return ""
        if key == "entries" and value == "multiple":
            return str(_("multiple"))
        try:
            return format_date(dt.date.fromisoformat(str(value)), format="long", locale=locale)
        except ValueError:
            return str(value)

    out = [p(_("A visa has been issued to you on the terms below."))]
    for label, key in (
        (_("Valid from"), "valid_from"),
        (_("Valid until"), "valid_until"),
        (_("Entries"), "entries"),
        (_("Longest stay (days)"), "max_stay_days"),
    ):
        if facts.terms.get(key) is not None:
            out.append(p(f"{label}: {term(key)}"))
    out.insert(1, p(f"{_('Visa number')}: {facts.visa_number or ''}"))
    return out


def make(session: Session, app: Application, kind: str) -> Letter:
    """Make and store this case's letter of `kind`, once: a second call returns the first."""
    found = session.scalar(
        select(Letter).where(Letter.application_id == app.id, Letter.kind == kind)
    )
    if found is not None:
        return found
    facts = facts_of(session, app, kind)
    content = render(facts)
    letter = Letter(
        id=new_id(),
        application_id=app.id,
        kind=kind,
        language=facts.language,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        created_at=now(),
    )
    session.add(letter)
    return letter


def of_case(session: Session, app_id: str) -> list[Letter]:
    return list(
        session.scalars(
            select(Letter).where(Letter.application_id == app_id).order_by(Letter.created_at)
        )
    )


def of_cases(session: Session, app_ids: list[str]) -> dict[str, list[Letter]]:
    """The letters of many cases (a page of the queue) in one query."""
    out: dict[str, list[Letter]] = {}
    if app_ids:
        rows = select(Letter).where(Letter.application_id.in_(app_ids)).order_by(Letter.created_at)
        for letter in session.scalars(rows):
            out.setdefault(letter.application_id, []).append(letter)
    return out


def one(session: Session, app_id: str, kind: str) -> Letter:
    if kind not in KINDS:
        raise NotFound(f"kind: no letter is called {kind!r} (there are: {', '.join(KINDS)})")
    letter = session.scalar(
        select(Letter).where(Letter.application_id == app_id, Letter.kind == kind)
    )
    if letter is None:
        raise NotFound(f"application {app_id} has no {kind} letter")
    return letter


def filename(letter: Letter) -> str:
    return f"{letter.kind}-{letter.application_id[:8]}-{letter.language}.pdf"
