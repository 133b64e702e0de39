"""Headers of HTML pages: a strict Content-Security-Policy, and no caching of personal pages.

A portal page that failed with an unexpected error (500) is answered with an HTML error page
in the user's language instead of the API's JSON body; neither shows any internals.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talentvisa.web.errors import failure_page
from talentvisa.web.route import WebRoute

# No inline script or style anywhere: scripts and styles come from /static only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The interactive API docs load their own scripts; the policy covers the portal's pages.
EXEMPT = ("/docs", "/redoc")


class PageHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_with_headers(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the original body of a replaced response
            if message["type"] == "http.response.start":
                if message["status"] == 500 and isinstance(scope.get("route"), WebRoute):
                    replaced = True
                    await failure_page(Request(scope))(scope, receive, send_with_page_headers)
                    return
                _page_headers(message)
            await send(message)

        async def send_with_page_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                _page_headers(message)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _page_headers(message: Message) -> None:
    headers = MutableHeaders(scope=message)
    if headers.get("content-type", "").startswith("text/html"):
        headers["Content-Security-Policy"] = CSP
        headers["Cache-Control"] = "no-store"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
