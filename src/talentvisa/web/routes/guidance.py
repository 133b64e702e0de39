"""The portal's path and timeline pages: /fit/path and /fit/timeline, from the same answers
as /fit/result (the query string), worded as the terminal words them (guidance/words.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse

from talentvisa.api.deps import runtime
from talentvisa.guidance import words
from talentvisa.guidance.chart import spans
from talentvisa.guidance.path import path
from talentvisa.guidance.timeline import timeline
from talentvisa.rules.declarations import declarations
from talentvisa.rules.facts import facts_of
from talentvisa.rules.profile import Profile
from talentvisa.web import fit
from talentvisa.web.page import PageDep, render
from talentvisa.web.route import web_router
from talentvisa.web.routes.public import _fit_form

router = web_router()
YEARS = 5


def _answers(page: PageDep) -> tuple[dict[str, Any] | None, dt.date, str, HTMLResponse | None]:
    answers = fit.answers_of(page.request.query_params)
    profile, on, errors = fit.profile_of(answers)
    if errors:
        return None, dt.date.today(), "", _fit_form(page, answers, errors, 400)
    day = on or runtime(page.request).cases.today()
    return profile, day, urlencode({k: v for k, v in answers.items() if v}), None


@router.get("/fit/path", response_class=HTMLResponse)
def fit_path(page: PageDep) -> HTMLResponse:
    profile, day, query, refused = _answers(page)
    if refused is not None or profile is None:
        assert refused is not None
        return refused
    cases, decls, lang = runtime(page.request).cases, declarations(), page.lang
    result = path(
        cases.catalog, facts_of(Profile.model_validate(profile)), day, decls, cases.settings
    )
    rows = []
    for p in result.programs:
        options = [
            [words.change(c, decls, lang) for c in s.changes]
            + [words.requirement(t, v, decls, lang) for t, v in s.requires]
            for s in p.suggestions
        ]
        rows.append(
            {
                "name": words.text(p.name, lang),
                "outcome": words.outcome(p.outcome, lang),
                "options": options,
                "opens": [words.change(c, decls, lang) for c in p.opens.changes] if p.opens else [],
                "missing": [words.label(f, decls, lang) for f in p.missing],
                "silent": [words.text(t, lang) for t in p.silent_labels],
                "stuck": p.outcome.value == "ineligible" and not p.suggestions and not p.opens,
            }
        )
    questions = [words.text(q.text, lang) for q in result.questions]
    return render(page, "fit_path.html", rows=rows, questions=questions, on=day, query=query)


@router.get("/fit/timeline", response_class=HTMLResponse)
def fit_timeline(page: PageDep) -> HTMLResponse:
    profile, day, query, refused = _answers(page)
    if refused is not None or profile is None:
        assert refused is not None
        return refused
    cases, decls, lang = runtime(page.request).cases, declarations(), page.lang
    facts = facts_of(Profile.model_validate(profile))
    t = timeline(cases.catalog, facts, decls, day, YEARS, cases.settings)
    total = (t.end - t.start).days or 1
    chart = [
        {
            "name": words.text(r.name, lang),
            "bars": [
                {
                    "x": 100 * (s.start - t.start).days / total,
                    "w": 100 * (s.end - s.start).days / total,
                    "outcome": s.outcome.value,
                    "title": f"{s.start} – {s.end}: {words.outcome(s.outcome, lang)}",
                }
                for s in r.spans
            ],
        }
        for r in spans(t)
    ]
    changes = [
        {
            "name": words.text(p.name, lang),
            "first": words.outcome(p.points[0].outcome, lang),
            "points": [
                (
                    pt.on.isoformat(),
                    words.outcome(pt.outcome, lang),
                    "; ".join(words.reason(r, lang) for r in pt.reasons),
                )
                for pt in p.changes
            ],
        }
        for p in t.programs
    ]
    return render(page, "fit_timeline.html", chart=chart, changes=changes, t=t, on=day, query=query)
