"""Time zones: the agency's, in which its deadlines are set, and the check of a zone's name.

A deadline is a local date and time in the agency's zone (an evidence request due "10 March,
23:59" means 23:59 in Beijing for a K visa case), stored as a UTC moment; whoever reads it sees
it in their own zone and in the agency's. The agency is taken to sit in its country's capital:
that is where each program's issuing ministry sits (China's NIA in Beijing, IRCC in Ottawa,
USCIS in Washington). A deployer whose agency keeps another zone sets TALENTVISA_AGENCY_ZONE.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from zoneinfo import ZoneInfo, available_timezones

#: IANA zone of the capital of each country a shipped program belongs to.
CAPITAL_ZONE = {
    "CA": "America/Toronto",  # Ottawa keeps Toronto's time
    "CN": "Asia/Shanghai",  # all of China keeps Beijing time; IANA names it Asia/Shanghai
    "DE": "Europe/Berlin",
    "GB": "Europe/London",
    "KR": "Asia/Seoul",
    "NZ": "Pacific/Auckland",
    "SG": "Asia/Singapore",
    "US": "America/New_York",  # Washington, DC
}
ZONE_ENV = "TALENTVISA_AGENCY_ZONE"
#: A deadline given as a date alone ends at this local time on that day.
END_OF_DAY = dt.time(23, 59)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$")


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def known(name: str | None) -> ZoneInfo | None:
    """The zone named `name` (an IANA name such as Asia/Shanghai), or None if there is none."""
    if not name or len(name) > 64 or not _NAME.match(name) or name not in _known():
        return None
    return ZoneInfo(name)


def names() -> list[str]:
    """Every zone a person may choose, sorted."""
    return sorted(n for n in _known() if "/" in n and not n.startswith(("Etc/", "SystemV/")))


def agency_zone(country: str) -> ZoneInfo:
    """The zone of the agency running a program of `country`."""
    chosen = known(os.environ.get(ZONE_ENV))
    if chosen is not None:
        return chosen
    return ZoneInfo(CAPITAL_ZONE.get(country, "UTC"))


def deadline(day: dt.date, at: dt.time | None, zone: ZoneInfo) -> dt.datetime:
    """The UTC moment of a local date and time in `zone` (end of day when no time is given).

    A local time that a clock change skips or repeats resolves as zoneinfo does (fold=0)."""
    local = dt.datetime.combine(day, at or END_OF_DAY, tzinfo=zone)
    try:
        return local.astimezone(dt.UTC)
    except OverflowError:  # 31 Dec 9999 west of Greenwich is in the year 10000 in UTC
        raise ValueError(f"{day.isoformat()} is beyond the last date this system keeps") from None


def record(due: dt.date, at: dt.datetime, zone: str) -> dict[str, str]:
    """A deadline as the audit trail and the notices keep it: local date, moment, zone."""
    return {"due": due.isoformat(), "due_at": at.astimezone(dt.UTC).isoformat(), "due_zone": zone}
