"""The authentication cache: bounded in time and size, and forgetful on revocation."""

from __future__ import annotations

import datetime as dt

from talentvisa.auth.cache import TokenCache
from talentvisa.auth.models import ApiToken, User


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def found(user_id: int, token_id: int, expires_in: dt.timedelta = dt.timedelta(days=1)):
    user = User(id=user_id, email=f"u{user_id}@x.org", display_name="u", role="applicant")
    token = ApiToken(id=token_id, user_id=user_id, expires_at=dt.datetime.now(dt.UTC) + expires_in)
    return user, token


def test_an_answer_lives_only_for_the_ttl() -> None:
    clock = Clock()
    cache = TokenCache(ttl=5, clock=clock)
    cache.put("k", found(1, 10))
    clock.t += 4.9
    assert cache.get("k") is not None
    clock.t += 0.2
    assert cache.get("k") is None


def test_never_past_the_tokens_own_expiry() -> None:
    cache = TokenCache(ttl=60)
    cache.put("k", found(1, 10, expires_in=dt.timedelta(seconds=-1)))
    assert cache.get("k") is None


def test_revoking_a_token_or_changing_a_user_forgets_at_once() -> None:
    cache = TokenCache()
    cache.put("a", found(1, 10))
    cache.put("b", found(1, 11))
    cache.put("c", found(2, 12))
    cache.forget_token(10)
    assert cache.get("a") is None and cache.get("b") is not None
    cache.forget_user(1)
    assert cache.get("b") is None and cache.get("c") is not None


def test_the_oldest_entries_go_first_when_full() -> None:
    cache = TokenCache(size=2)
    cache.put("a", found(1, 1))
    cache.put("b", found(2, 2))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", found(3, 3))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
