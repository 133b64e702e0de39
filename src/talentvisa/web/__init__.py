"""The web portal: server-rendered pages in English and Simplified Chinese.

An outer adapter like the API: it calls the domain services (the same use cases as the API,
never the rules engine itself), and nothing inward imports it. `install(app)` adds its
routes, static files, page headers and HTML error pages to the FastAPI app.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from talentvisa.web.errors import install_error_pages
from talentvisa.web.headers import PageHeaders
from talentvisa.web.routes import ROUTERS

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    # Signs anonymous forms' CSRF tokens; a restart only makes open anonymous forms resend.
    app.state.web_secret = secrets.token_bytes(32)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_pages(app)
    app.add_middleware(PageHeaders)
