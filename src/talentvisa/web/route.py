"""Routes of the portal are WebRoutes, so that errors on them get pages, not JSON, and the
unit of work each runs in (db/unit_of_work.py).

Only a form's post writes: it takes `Writing`, opened after its CSRF token was checked. A page
shown by GET takes `Reading`, or no database at all, so it never waits for the writer lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.routing import APIRoute

from talentvisa.api.deps import runtime
from talentvisa.db.unit_of_work import UnitOfWork
from talentvisa.web.page import Posted


class WebRoute(APIRoute):
    pass


def web_router() -> APIRouter:
    return APIRouter(route_class=WebRoute, include_in_schema=False)


def is_web(request: Request) -> bool:
    return isinstance(request.scope.get("route"), WebRoute)


def _reading(request: Request) -> Iterator[UnitOfWork]:
    with runtime(request).read() as work:
        yield work


def _writing(page: Posted) -> Iterator[UnitOfWork]:
    # After `Posted`: a form with a wrong CSRF token never takes the writer lock. A refused
    # action runs in `work.attempt()`, so that the page can show the error in this request.
    with runtime(page.request).write() as work:
        yield work


#: A page shown by GET: one read, no writer lock.
Reading = Annotated[UnitOfWork, Depends(_reading, scope="function")]
#: A form's post: one write unit of work, committed after the page answers.
Writing = Annotated[UnitOfWork, Depends(_writing, scope="function")]
