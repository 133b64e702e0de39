"""The timeline as a chart a person reads at a glance: one row per program, one bar per span
of the same outcome. :func:`spans` is the chart's data (the portal draws it as SVG with a text
alternative); :func:`draw_png` draws it with Matplotlib for the terminal's ``--plot``.

Outcomes differ by pattern as well as colour, so the chart reads in greyscale and to people
who do not tell the colours apart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
from dataclasses import dataclass
from pathlib import Path

from talentvisa.guidance import words
from talentvisa.guidance.timeline import Timeline
from talentvisa.i18n import Lang
from talentvisa.rules.assessment import Outcome
from talentvisa.rules.model import Text

#: Colour (colour-blind safe, Okabe-Ito) and hatch of each outcome.
STYLE = {
    Outcome.eligible: ("#009E73", ""),
    Outcome.ineligible: ("#D55E00", "//"),
    Outcome.unknown: ("#BBBBBB", ".."),
}
#: Families that draw Simplified Chinese, best first (Debian: fonts-noto-cjk, fonts-wqy-*).
CJK_FONTS = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
]
#: Said when Chinese was asked for and no font can draw it.
NO_CJK_FONT = (
    "no Chinese font found (fc-list :lang=zh lists none; install fonts-noto-cjk or "
    "fonts-wqy-microhei): the chart is labelled in English"
)


@dataclass(frozen=True)
class Span:
    start: dt.date
    end: dt.date  # excluded
    outcome: Outcome


@dataclass(frozen=True)
class Row:
    program_id: str
    name: Text
    spans: list[Span]


def spans(t: Timeline) -> list[Row]:
    """Each program's consecutive dates of one outcome merged into spans up to the end."""
    rows = []
    for p in t.programs:
        out: list[Span] = []
        for i, pt in enumerate(p.points):
            end = p.points[i + 1].on if i + 1 < len(p.points) else t.end
            if out and out[-1].outcome == pt.outcome:
                out[-1] = Span(out[-1].start, end, pt.outcome)
            else:
                out.append(Span(pt.on, end, pt.outcome))
        rows.append(Row(p.program_id, p.name, out))
    return rows


def _fontconfig_files() -> list[str]:
    """The font files fontconfig knows for Chinese (none where fc-list is missing)."""
    try:
        found = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        )
    except OSError:
        return []
    return [line.split(":")[0].strip() for line in found.stdout.splitlines() if line.strip()]


def _known(family: str) -> bool:
    from matplotlib import font_manager

    try:
        font_manager.findfont(family, fallback_to_default=False)
    except ValueError:
        return False
    return True


def cjk_font() -> str | None:
    """A family Matplotlib can draw Chinese with, or None.

    Matplotlib caches the fonts it saw on first use, so a font installed later is only found
    through fontconfig: its files are then added to this process's font list.
    """
    from matplotlib import font_manager

    for attempt in range(2):
        for family in CJK_FONTS:
            if _known(family):
                return family
        if attempt == 0:
            for path in _fontconfig_files():
                with contextlib.suppress(OSError, RuntimeError, ValueError):
                    font_manager.fontManager.addfont(path)
    return None


def _font(lang: Lang) -> tuple[str | None, Lang]:
    """A font that shows Chinese, or English labels where none is installed."""
    if not lang.zh:
        return None, lang
    family = cjk_font()
    return (family, lang) if family else (None, Lang("en"))


def draw_png(t: Timeline, target: Path, lang: Lang) -> Lang:
    """Draw the chart to ``target``; returns the language it was labelled in (English when
    Chinese was asked for and no font draws it: the caller says :data:`NO_CJK_FONT`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    family, lang = _font(lang)
    if family:
        # Latin text and digits are in the CJK family too; DejaVu stays the fallback.
        plt.rcParams["font.family"] = [family, "DejaVu Sans"]
    rows = spans(t)
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.6), dpi=110)
    for y, row in enumerate(rows):
        for s in row.spans:
            colour, hatch = STYLE[s.outcome]
            left = float(mdates.date2num(s.start))
            width = float(mdates.date2num(s.end)) - left
            ax.barh(y, width, left=left, color=colour, hatch=hatch, edgecolor="white", height=0.7)
    ax.set_yticks(range(len(rows)), [words.text(r.name, lang) for r in rows])
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.set_xlim(float(mdates.date2num(t.start)), float(mdates.date2num(t.end)))
    ax.set_title(
        lang.gettext("Your eligibility from %(start)s to %(end)s")
        % {"start": t.start, "end": t.end}
    )
    ax.legend(
        handles=[
            Patch(facecolor=c, hatch=h, label=words.outcome(o, lang)) for o, (c, h) in STYLE.items()
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=3,
        frameon=False,
    )
    fig.tight_layout()
    fig.savefig(target, format="png")
    plt.close(fig)
    return lang
