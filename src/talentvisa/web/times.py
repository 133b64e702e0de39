"""Every time the portal shows goes through here: in the viewer's zone, with the zone named.

Whose zone: the one the account chose (its settings page), else the browser's (portal.js sets
the `tv_tz` cookie from `Intl.DateTimeFormat`), else the agency's (cases/zones.py). A time is
written as the page's locale writes a date and a time, then the zone's abbreviation and its
IANA name, so that "09:30 CST" cannot be read as Chicago's: "Dec 8, 2026, 9:30 AM CST
(Asia/Shanghai)". Each is a <time> element carrying the UTC moment, as the API gives it.
A deadline is also shown in the agency's zone when the viewer's differs: that is the clock
the deadline was set by.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from markupsafe import Markup, escape

from talentvisa.cases.zones import known
from talentvisa.web.i18n import active

ZONE_COOKIE = "tv_tz"
UTC = ZoneInfo("UTC")
#: The zone of whoever the page being rendered is for (set by page.render).
viewing: ContextVar[ZoneInfo] = ContextVar("viewing_zone", default=UTC)


def viewer_zone(account: str | None, cookie: str | None, agency: ZoneInfo) -> ZoneInfo:
    return known(account) or known(cookie) or agency


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    # The database gives UTC (db/base.UTCDateTime); a naive value can only be UTC too.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def local_day(value: dt.datetime) -> dt.date:
    try:
        return _aware(value).astimezone(viewing.get()).date()
    except OverflowError:
        return _aware(value).date()


def _abbreviation(local: dt.datetime) -> str:
    name = local.tzname() or ""
    # Zones without a letter abbreviation name their offset ("+04"): say UTC+04.
    return f"UTC{name}" if name[:1] in "+-" else name


def text(value: dt.datetime | str, zone: ZoneInfo | None = None) -> str:
    """`value` as words in `zone` (default: the viewer's), with the zone named."""
    zone = zone or viewing.get()
    try:
        local = _aware(value).astimezone(zone)
    except OverflowError:  # the last hours of 9999 east of Greenwich: say it in UTC
        zone = UTC
        local = _aware(value).astimezone(zone)
    locale = active().locale
    day = format_date(local, format="medium", locale=locale)
    clock = format_time(local, format="short", locale=locale)
    both = (
        str(get_datetime_format("medium", locale=locale)).replace("{1}", day).replace("{0}", clock)
    )
    return f"{both} {_abbreviation(local)} ({zone.key})"


def _element(value: dt.datetime, words: str) -> Markup:
    moment = value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}">{}</time>').format(moment, words)


def moment(value: dt.datetime | str | None) -> Markup:
    """The filter every template uses for a timestamp."""
    if value is None or value == "":
        return Markup("")
    aware = _aware(value)
    return _element(aware, text(aware))


def deadline(value: dt.datetime | str | None, zone_name: str | None) -> Markup:
    """A deadline in the viewer's zone, and in the agency's (`zone_name`) when that differs."""
    if value is None or value == "":
        return Markup("")
    aware = _aware(value)
    shown = moment(aware)
    agency = known(zone_name)
    if agency is None or agency.key == viewing.get().key:
        return shown
    return Markup("{} ({}: {})").format(
        shown, escape(active().gettext("agency time")), text(aware, agency)
    )
