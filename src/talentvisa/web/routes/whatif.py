"""The public /what-if page: the shipped cap-selection what-if, its chart and its commands."""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

import polars as pl
from fastapi.responses import HTMLResponse

from talentvisa.simulation import shipped
from talentvisa.web.page import PageDep, render
from talentvisa.web.route import web_router

router = web_router()


def rows(table: pl.DataFrame, by: str) -> list[dict[str, Any]]:
    """Figures as the CLI prints them, so a reader can find each one in its output."""
    return [
        {
            "group": str(r[by]),
            "people": f"{r['people']:,.0f}",
            "baseline": f"{r['baseline_selected']:,.0f}",
            "baseline_rate": f"{r['baseline_rate']:.1%}",
            "reform": f"{r['reform_selected']:,.0f}",
            "reform_rate": f"{r['reform_rate']:.1%}",
            "change": f"{r['reform_selected'] - r['baseline_selected']:+,.0f}",
        }
        for r in table.iter_rows(named=True)
    ]


@cache
def page_data() -> dict[str, Any]:
    """Computed once per process: the inputs are files of the package."""
    whatif = shipped.compute()
    return {
        "title": whatif.title,
        "season": whatif.season,
        "people": f"{shipped.PEOPLE:,}",
        "seed": shipped.SEED,
        "total": f"{whatif.by_level['people'].sum():,.0f}",
        "by_country": rows(whatif.by_country, shipped.BY),
        "by_level": rows(whatif.by_level, "wage_level"),
        "chart": base64.b64encode(whatif.chart_png).decode("ascii"),
        "commands": shipped.commands(),
    }


@router.get("/what-if", response_class=HTMLResponse)
def what_if(page: PageDep) -> HTMLResponse:
    return render(page, "whatif.html", w=page_data())
