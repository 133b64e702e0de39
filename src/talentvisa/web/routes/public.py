"""Public pages: the home page, the program catalog, and 'Which visa fits me?'."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from talentvisa.api.deps import runtime
from talentvisa.cases import service
from talentvisa.guidance.words import eligible_words, odds_words
from talentvisa.rules import compare
from talentvisa.rules.calendar import calendar
from talentvisa.rules.facts import facts_of
from talentvisa.rules.model import Program
from talentvisa.rules.params import ParameterOutOfRange, resolve
from talentvisa.rules.profile import Profile
from talentvisa.web import fit
from talentvisa.web.comparison import comparison
from talentvisa.web.form import builtin_form
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg, said
from talentvisa.web.page import PageDep, WebError, render
from talentvisa.web.route import web_router

router = web_router()


def _today(request: Request) -> dt.date:
    today: dt.date = runtime(request).cases.today()
    return today


@router.get("/", response_class=HTMLResponse)
def home(page: PageDep) -> HTMLResponse:
    catalog = runtime(page.request).cases.catalog
    return render(page, "home.html", programs=list(catalog.values()))


@router.get("/programs", response_class=HTMLResponse)
def programs(page: PageDep) -> HTMLResponse:
    catalog = runtime(page.request).cases.catalog
    return render(page, "programs.html", programs=list(catalog.values()), on=_today(page.request))


def _fee_amounts(program: Program, on: dt.date, request: Request) -> dict[str, Any]:
    """Each fee's amount on this date where it is a parameter; None where not published."""
    settings = runtime(request).cases.settings
    out: dict[str, Any] = {}
    for fid, fee in program.fees.items():
        if fee.amount in program.parameters:
            try:
                out[fid] = resolve(program, fee.amount, on, settings).value
            except ParameterOutOfRange:
                out[fid] = None
        else:
            try:
                out[fid] = float(fee.amount)
            except ValueError:
                out[fid] = fee.amount  # a formula: shown as written
    return out


#: The window of "What changes soon", in days (about six months).
CHANGES_DAYS = 180


@router.get("/changes", response_class=HTMLResponse)
def changes(page: PageDep) -> HTMLResponse:
    catalog = runtime(page.request).cases.catalog
    cal = calendar([cp.program for cp in catalog.values()], _today(page.request), CHANGES_DAYS)
    return render(page, "changes.html", cal=cal)


@router.get("/programs/{program_id}", response_class=HTMLResponse)
def program(program_id: str, page: PageDep) -> HTMLResponse:
    catalog = runtime(page.request).cases.catalog
    cp = catalog.get(program_id)
    if cp is None:
        raise WebError(404, Msg(N_("We could not find that page or record.")))
    on = _today(page.request)
    return render(
        page,
        "program.html",
        cp=cp,
        p=cp.program,
        on=on,
        amounts=_fee_amounts(cp.program, on, page.request),
    )


def _fit_form(
    page: PageDep, answers: dict[str, str], errors: dict[str, Msg], status: int
) -> HTMLResponse:
    return render(
        page,
        "fit_form.html",
        status=status,
        answers=answers,
        errors=errors,
        today=_today(page.request),
        form=builtin_form(),
        section_open=fit.section_open,
    )


@router.get("/fit", response_class=HTMLResponse)
def fit_form(page: PageDep) -> HTMLResponse:
    return _fit_form(page, fit.answers_of(page.request.query_params), {}, 200)


def _assessments(request: Request, profile: dict[str, Any], on: dt.date) -> list[Any]:
    return service.compare(runtime(request).cases, Profile.model_validate(profile), on)


@router.get("/fit/result", response_class=HTMLResponse)
def fit_result(page: PageDep) -> HTMLResponse:
    answers = fit.answers_of(page.request.query_params)
    profile, on, errors = fit.profile_of(answers)
    if errors:
        return _fit_form(page, answers, errors, 400)
    day = on or _today(page.request)
    shared = {k: v for k, v in answers.items() if v}
    results = _assessments(page.request, profile, day)
    facts = facts_of(Profile.model_validate(profile))
    cases = runtime(page.request).cases
    seen = comparison(cases.catalog, results, facts, answers, cases.settings)
    chances = {r.assessment.program_id: r.odds for r in seen.rows}
    return render(
        page,
        "fit_result.html",
        results=results,
        seen=seen,
        odds={pid: odds_words(s, page.lang) for pid, s in chances.items()},
        petition={
            r.assessment.program_id: eligible_words(r.odds, page.lang)
            for r in seen.rows
            if r.petition_based
        },
        programs={pid: cp.program for pid, cp in cases.catalog.items()},
        on=day,
        compare=compare,
        query=urlencode(shared),
        shared=shared,
        answered=len(shared),
    )


@router.get("/fit/result.json")
def fit_json(page: PageDep) -> Response:
    answers = fit.answers_of(page.request.query_params)
    profile, on, errors = fit.profile_of(answers)
    if errors:
        body = {"errors": {k: said(m, page.lang) for k, m in errors.items()}}
        return Response(json.dumps(body, ensure_ascii=False), 400, media_type="application/json")
    day = on or _today(page.request)
    results = _assessments(page.request, profile, day)
    doc = {
        "on": day.isoformat(),
        "answers": {k: v for k, v in answers.items() if v},
        "profile": profile,
        "summary": {a.program_id: compare.summary(a) for a in results},
        "assessments": [a.model_dump(mode="json") for a in results],
    }
    return Response(
        json.dumps(doc, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="talentvisa-comparison.json"'},
    )
