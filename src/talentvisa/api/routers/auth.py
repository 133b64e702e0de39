from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from talentvisa.api.deps import (
    DEVICE_COOKIE,
    RT,
    SESSION_COOKIE,
    AnyUser,
    CurrentCaller,
    Unauthenticated,
    bounded,
    client_address,
)
from talentvisa.auth import service as auth
from talentvisa.auth.models import ApiToken, Role, User
from talentvisa.service_errors import ServiceError

router = APIRouter(prefix="/auth", tags=["auth"])


class TooManyAttempts(ServiceError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
    password: Annotated[str, Field(min_length=auth.MIN_PASSWORD, max_length=200)]
    display_name: Annotated[str, Field(min_length=1, max_length=200)]
    role: Literal["applicant", "employer"] = "applicant"


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    time_zone: str | None = Field(
        None,
        description="The IANA zone the portal shows this account's times in; null: "
        "the browser's, else the agency's. The API's own times are always UTC.",
    )


class MeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time_zone: Annotated[str, Field(max_length=64)] | None


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime
    user: UserOut


class SessionOut(BaseModel):
    csrf_token: str
    expires_at: dt.datetime
    user: UserOut


class SignUpOut(BaseModel):
    message: str


SIGNED_UP = (
    "If this email address had no account, it has one now: log in with the password you "
    "chose. If it had one, nothing was changed and its owner keeps it."
)


def remember_device(rt: RT, response: Response, user: User) -> None:
    """Give the client proof that it logged in, so that others' failures never slow it."""
    response.set_cookie(
        DEVICE_COOKIE,
        auth.device_token(user),
        httponly=True,
        secure=rt.secure_cookies,
        samesite="strict",
        max_age=int(auth.DEVICE_TTL.total_seconds()),
        path="/",
    )


def _login(
    rt: RT, request: Request, response: Response, body: Credentials, kind: str
) -> tuple[User, str, ApiToken]:
    """Check the password and issue a token of `kind`; a failure stays on record."""
    device = request.cookies.get(DEVICE_COOKIE)
    with rt.writing() as session:
        try:
            user = auth.authenticate(
                session, body.email, body.password, client_address(request), device
            )
        except auth.RateLimited as exc:
            raise TooManyAttempts(str(exc), exc.retry_after) from None
        if user is not None:
            raw, token = auth.issue_token(session, user, kind)
            remember_device(rt, response, user)
            return user, raw, token
    # Outside the transaction, so that the failed attempt is committed for the rate limit.
    raise Unauthenticated("email or password is wrong")


SIGN_UP_ERRORS: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many sign-ups from this address; see Retry-After"},
}


@router.post("/register", status_code=202, response_model=SignUpOut, responses=SIGN_UP_ERRORS)
def register(body: SignUp, request: Request, rt: RT) -> SignUpOut:
    """Sign up as an applicant or an employer (staff accounts are made by an admin).

    The answer is the same whether or not the email already had an account, so that nobody
    can find out who is registered."""
    with rt.writing() as session:
        try:
            auth.sign_up(
                session,
                body.email,
                body.password,
                Role(body.role),
                body.display_name,
                client_address(request),
            )
        except auth.RateLimited as exc:
            raise TooManyAttempts(str(exc), exc.retry_after) from None
    return SignUpOut(message=SIGNED_UP)


LOGIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "The email or password is wrong"},
    429: {"description": "Too many failed log-ins from this address or for this account"},
}


@router.post("/token", response_model=TokenOut, responses=LOGIN_ERRORS)
def token(body: Credentials, request: Request, response: Response, rt: RT) -> TokenOut:
    """Exchange a password for a bearer token (API clients).

    Keep the `tv_device` cookie it sets and send it with later log-ins: with it, other
    people's failed attempts for the account never delay yours."""
    user, raw, tok = _login(rt, request, response, body, "bearer")
    return TokenOut(
        access_token=raw,
        expires_at=tok.expires_at,
        user=UserOut.model_validate(user, from_attributes=True),
    )


@router.post("/login", response_model=SessionOut, responses=LOGIN_ERRORS)
def login(body: Credentials, request: Request, response: Response, rt: RT) -> SessionOut:
    """Start a browser session: an HttpOnly cookie plus a CSRF token for form posts."""
    user, raw, tok = _login(rt, request, response, body, "session")
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        secure=rt.secure_cookies,
        samesite="lax",
        max_age=int(auth.SESSION_TTL.total_seconds()),
        path="/",
    )
    assert tok.csrf_token is not None
    return SessionOut(
        csrf_token=tok.csrf_token,
        expires_at=tok.expires_at,
        user=UserOut.model_validate(user, from_attributes=True),
    )


@router.post("/logout", status_code=204)
@bounded
def logout(c: CurrentCaller, rt: RT, response: Response) -> None:
    with rt.writing() as session:
        auth.revoke(session, c.token.id)
    rt.tokens.forget_token(c.token.id)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=UserOut)
async def me(user: AnyUser) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.patch("/me", response_model=UserOut)
def change_me(body: MeIn, user: AnyUser, rt: RT) -> UserOut:
    """Set the account's time zone (an unknown one is refused with 422 naming time_zone)."""
    with rt.writing() as session:
        row = auth.set_time_zone(session, user, body.time_zone)
        out = UserOut.model_validate(row, from_attributes=True)
    rt.tokens.forget_user(user.id)
    return out


__all__ = ["router"]
