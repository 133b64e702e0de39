"""Sign up, log in and log out, with the same accounts and sessions as the API."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Form
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from talentvisa.api.deps import DEVICE_COOKIE, SESSION_COOKIE, client_address, runtime
from talentvisa.auth import service as auth
from talentvisa.auth.models import Role, User
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg
from talentvisa.web.page import Page, PageDep, Posted, redirect, render
from talentvisa.web.route import Writing, web_router

router = web_router()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HOME = {
    Role.applicant.value: "/my",
    Role.employer.value: "/employer",
    Role.officer.value: "/officer",
    Role.supervisor.value: "/officer",
    Role.admin.value: "/admin/seasons",
}


def _safe_next(target: str, user: User) -> str:
    """Only a path on this site, never another origin."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME.get(user.role, "/")


def _start_session(page: Page, session: Session, user: User) -> None:
    raw, _ = auth.issue_token(session, user, "session")
    page.cookies[SESSION_COOKIE] = (raw, int(auth.SESSION_TTL.total_seconds()))
    page.cookies[DEVICE_COOKIE] = (auth.device_token(user), int(auth.DEVICE_TTL.total_seconds()))


@router.get("/signup", response_class=HTMLResponse)
def signup_form(page: PageDep) -> HTMLResponse:
    return render(
        page, "signup.html", errors={}, form={"display_name": "", "email": "", "role": "applicant"}
    )


@router.post("/signup", response_class=HTMLResponse)
def signup(
    page: Posted,
    work: Writing,
    display_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "applicant",
) -> Response:
    form = {"display_name": display_name, "email": email, "role": role}
    errors: dict[str, Msg] = {}
    if not display_name.strip() or len(display_name) > 200:
        errors["display_name"] = Msg(N_("Enter your name."))
    if not EMAIL.match(email.strip()) or len(email) > 254:
        errors["email"] = Msg(N_("Enter an email address like name@example.org."))
    if not auth.MIN_PASSWORD <= len(password) <= 200:
        errors["password"] = Msg(
            N_("Choose a password of at least %(n)s characters."), {"n": auth.MIN_PASSWORD}
        )
    if role not in (Role.applicant.value, Role.employer.value):
        errors["role"] = Msg(N_("Choose applicant or employer."))
    if not errors:
        try:
            auth.sign_up(
                work.session,
                email,
                password,
                Role(role),
                display_name.strip(),
                client_address(page.request),
            )
        except auth.RateLimited as exc:
            errors["_form"] = Msg(
                N_("Too many sign-ups from this address. Wait %(n)s seconds and try again."),
                {"n": exc.retry_after},
            )
        else:
            # The same log-in page whether or not the email was taken, and no session: logging
            # a new user in at once would tell who was already registered. It is rendered here
            # rather than redirected to, so that the prefilled email stays out of URLs and logs.
            return render(
                page,
                "login.html",
                errors={},
                form={"email": email.strip(), "next": ""},
                signed_up=True,
            )
    status = 429 if "_form" in errors else 400
    return render(page, "signup.html", status=status, errors=errors, form=form)


@router.get("/login", response_class=HTMLResponse)
def login_form(page: PageDep, next: str = "") -> HTMLResponse:
    return render(page, "login.html", errors={}, form={"email": "", "next": next})


@router.post("/login", response_class=HTMLResponse)
def login(
    page: Posted,
    work: Writing,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    form = {"email": email, "next": next}
    errors: dict[str, Msg] = {}
    if not email.strip():
        errors["email"] = Msg(N_("Enter your email address."))
    if not password:
        errors["password"] = Msg(N_("Enter your password."))
    if not errors:
        device = page.request.cookies.get(DEVICE_COOKIE)
        client = client_address(page.request)
        try:
            user = auth.authenticate(work.session, email[:254], password[:200], client, device)
        except auth.RateLimited as exc:
            errors["_form"] = Msg(
                N_("Too many failed log-ins. Wait %(n)s seconds and try again."),
                {"n": exc.retry_after},
            )
        else:
            if user is None:
                # The failed attempt is committed with this response, for the rate limit.
                errors["email"] = Msg(N_("The email address or the password is wrong."))
            else:
                _start_session(page, work.session, user)
                return redirect(page, _safe_next(next, user))
    return render(page, "login.html", status=400, errors=errors, form=form)


@router.post("/logout")
def logout(page: Posted, work: Writing) -> Response:
    if page.token is not None:
        auth.revoke(work.session, page.token.id)
        runtime(page.request).tokens.forget_token(page.token.id)
    response = redirect(page, "/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
