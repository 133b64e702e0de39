"""Recently authenticated tokens, kept for a few seconds.

Looking a token up costs a database read and a worker-thread hop on every request, which made
authentication the largest single cost of a small API call. A cached answer is used for at
most `ttl` seconds and never past the token's own expiry. Revoking a token, or changing or
deactivating its account, forgets the cached answers in this process at once; another server
process sharing the database may still accept such a token until its cached answer ages out.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from talentvisa.auth.models import ApiToken, User
from talentvisa.db.base import now

Found = tuple[User, ApiToken]


class TokenCache:
    def __init__(
        self, ttl: float = 5.0, size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl, self.size, self.clock = ttl, size, clock
        self._entries: OrderedDict[str, tuple[float, Found]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Found | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored, found = entry
            if self.clock() - stored > self.ttl or found[1].expires_at <= now():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found

    def put(self, key: str, found: Found) -> None:
        with self._lock:
            self._entries[key] = (self.clock(), found)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget_token(self, token_id: int) -> None:
        self._forget(lambda found: found[1].id == token_id)

    def forget_user(self, user_id: int) -> None:
        self._forget(lambda found: found[0].id == user_id)

    def _forget(self, match: Callable[[Found], bool]) -> None:
        with self._lock:
            for key in [k for k, (_, found) in self._entries.items() if match(found)]:
                del self._entries[key]
