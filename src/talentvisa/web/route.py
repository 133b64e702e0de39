"""Routes of the portal are WebRoutes, so that errors on them get pages, not JSON."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute


class WebRoute(APIRoute):
    pass


def web_router() -> APIRouter:
    return APIRouter(route_class=WebRoute, include_in_schema=False)


def is_web(request: Request) -> bool:
    return isinstance(request.scope.get("route"), WebRoute)
