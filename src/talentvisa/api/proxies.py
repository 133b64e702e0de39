"""The client's address, with X-Forwarded-For believed only from configured proxies.

Log-in and sign-up limits count per client address. Behind a reverse proxy every request
comes from the proxy, so without its header all users would share one limit; but a header
from anyone else is whatever they want it to be, so it is ignored unless the peer is listed
in TALENTVISA_TRUSTED_PROXIES (or `serve --trusted-proxies`).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable

from starlette.requests import Request

ENV = "TALENTVISA_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(values: Iterable[str] | str | None = None) -> tuple[Network, ...]:
    """Parse addresses and networks, comma-separated; None reads the environment."""
    if values is None:
        values = os.environ.get(ENV, "")
    if isinstance(values, str):
        values = values.split(",")
    found = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        try:
            found.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"{ENV}: {value!r} is not an IP address or network") from None
    return tuple(found)


def _trusted(host: str, trusted: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in net for net in trusted)


def client_address(request: Request, trusted: tuple[Network, ...]) -> str:
    """The peer, or, if the peer is a trusted proxy, the nearest untrusted address that the
    proxies' X-Forwarded-For chain names (each proxy appends the address it saw)."""
    peer = request.client.host if request.client else "unknown"
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, trusted):
            return hop
    return peer
