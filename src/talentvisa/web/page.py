"""Who is looking, in which language, and the CSRF token their forms must carry.

Signed-in users' forms carry their session's CSRF token (the one the API issues with the
session cookie). Anonymous forms (log-in, sign-up) use a signed double submit: a random
HttpOnly cookie, and in the form the HMAC of it under a server secret. Who is signed in is
looked up as the API does it (`Runtime.authenticate`): cached, read-only, no writer lock.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from talentvisa.api.deps import SESSION_COOKIE, runtime
from talentvisa.auth.models import ApiToken, Role, User
from talentvisa.cases import intake
from talentvisa.cases.service import agency_zone
from talentvisa.service_errors import ServiceError
from talentvisa.web import times
from talentvisa.web.i18n import LANG_COOKIE, LANGUAGES, N_, NATIVE, Lang, current, pick
from talentvisa.web.messages import Msg
from talentvisa.web.templating import ENV

ANON_COOKIE = "tv_form"
YEAR = 365 * 24 * 3600


class WebError(Exception):
    """Stops a page with an error page of this status."""

    def __init__(self, status: int, message: Msg) -> None:
        super().__init__(message.text)
        self.status, self.message = status, message


class LoginRequired(Exception):
    pass


def secret(request: Request) -> bytes:
    key: bytes = request.app.state.web_secret
    return key


@dataclass
class Page:
    request: Request
    lang: Lang
    user: User | None
    token: ApiToken | None
    anon: str
    new_anon: bool
    #: The zone times are shown in (web/times.py).
    zone: ZoneInfo = times.UTC
    cookies: dict[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def csrf(self) -> str:
        if self.token is not None and self.token.csrf_token:
            return self.token.csrf_token
        key = secret(self.request)
        return hmac.new(key, self.anon.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sent: str) -> bool:
        return bool(sent) and hmac.compare_digest(sent, self.csrf)

    def need(self, *roles: Role) -> User:
        if self.user is None:
            raise LoginRequired()
        if roles and self.user.role not in {r.value for r in roles}:
            raise WebError(403, Msg(N_("You may not do that.")))
        return self.user

    def lang_url(self, code: str) -> str:
        """This page in another language; after a form post, the page the form was on.

        A form's action only accepts POST, so linking to it would open an error page.
        """
        path, params = self.request.url.path, dict(self.request.query_params)
        if self.request.method != "GET":
            back = urlsplit(self.request.headers.get("referer", ""))
            same_site = back.netloc in ("", self.request.url.netloc)
            local = back.path.startswith("/") and back.path[1:2] not in ("/", "\\")
            path = back.path if local and same_site else "/"
            params = dict(parse_qsl(back.query)) if path != "/" else {}
        params["lang"] = code
        return f"{path}?{urlencode(params)}"


async def _page(request: Request) -> Page:
    chosen = pick(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    user = token = None
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        found = await runtime(request).authenticate(raw, "session")
        if found is not None:
            user, token = found
    anon = request.cookies.get(ANON_COOKIE, "")
    new_anon = not (20 <= len(anon) <= 64)
    if new_anon:
        anon = secrets.token_urlsafe(24)
    zone = times.viewer_zone(
        user.time_zone if user else None,
        request.cookies.get(times.ZONE_COOKIE),
        _agency_zone(request),
    )
    return Page(request, Lang(chosen), user, token, anon, new_anon, zone)


def _agency_zone(request: Request) -> ZoneInfo:
    """The zone of the agency this portal serves: that of its default program's agency."""
    ctx = runtime(request).cases
    try:
        return agency_zone(ctx, intake.DEFAULT_PROGRAM)
    except ServiceError:  # a catalog without it: no agency to take the zone of
        return times.UTC


PageDep = Annotated[Page, Depends(_page)]


async def _posted(page: PageDep, csrf_token: Annotated[str, Form()] = "") -> Page:
    if not page.csrf_ok(csrf_token):
        raise WebError(
            403,
            Msg(
                N_(
                    "This form has expired or did not come from this site. "
                    "Go back, reload the page and send it again."
                )
            ),
        )
    return page


#: A page handling a form post, after its CSRF token was checked.
Posted = Annotated[Page, Depends(_posted)]


def _set_cookies(page: Page, response: Any) -> None:
    secure = runtime(page.request).secure_cookies
    if page.request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            page.lang.code,
            max_age=YEAR,
            httponly=True,
            secure=secure,
            samesite="lax",
            path="/",
        )
    if page.new_anon:
        response.set_cookie(
            ANON_COOKIE, page.anon, httponly=True, secure=secure, samesite="strict", path="/"
        )
    for name, (value, max_age) in page.cookies.items():
        response.set_cookie(
            name,
            value,
            max_age=max_age if max_age > 0 else None,
            httponly=True,
            secure=secure,
            samesite="lax",
            path="/",
        )


def render(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    reset, zone = current.set(page.lang), times.viewing.set(page.zone)
    try:
        html = ENV.get_template(template).render(
            page=page, user=page.user, lang=page.lang, languages=NATIVE, **context
        )
    finally:
        times.viewing.reset(zone)
        current.reset(reset)
    response = HTMLResponse(html, status_code=status)
    _set_cookies(page, response)
    return response


def redirect(page: Page, url: str) -> RedirectResponse:
    """POST-redirect-GET: the browser shows the result at a URL it can reload safely."""
    response = RedirectResponse(url, status_code=303)
    _set_cookies(page, response)
    return response
