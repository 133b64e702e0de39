"""Messages shown to users, kept as msgids (translated when shown) with their parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from talentvisa.rules.model import Text
from talentvisa.service_errors import BadInput, ServiceError
from talentvisa.web.i18n import N_, Lang


@dataclass(frozen=True)
class Msg:
    text: str
    params: dict[str, Any] = field(default_factory=dict)
    words: Text | None = None  # declared in a program folder, in both languages: no msgid

    @classmethod
    def declared(cls, words: Text | None) -> Msg:
        return cls(words.en if words else "", words=words)


#: Domain errors carry English detail for API clients; the portal says it in its own words.
BY_FIELD = {
    "email": N_("This email address is already registered. Log in instead."),
    "password": N_("The password is too short."),
    "version": N_("Someone changed this record since you opened it. Reload and try again."),
    "due": N_("The deadline must be in the future."),
    "reasons": N_("Choose the criteria the decision rests on."),
    "override_code": N_(
        "The pre-screen disagrees with this decision: choose an override code and explain why."
    ),
    "officer_id": N_("Choose an officer."),
    "file": N_("Upload a PDF, PNG or JPEG file of at most 10 MB."),
    "passport_number": N_(
        "You already registered this beneficiary this season; a second registration would "
        "make both invalid."
    ),
    "season": N_("This season cannot be created: check its name, or it exists already."),
    "entries": N_("Choose a number of entries the program allows."),
    "validity": N_("Enter a validity within the range shown."),
    "validity_unit": N_("Choose days or months."),
    "time_zone": N_("Choose a time zone from the list."),
    "stay_days": N_("Enter a stay per entry within the range shown, and no longer than the visa."),
    "profile.date_of_birth": N_("Enter your date of birth (step 1, About you) before you submit."),
    "profile.nationalities": N_("Enter your nationality (step 1, About you) before you submit."),
    "Idempotency-Key": N_("This form was already sent. Open the application to see its state."),
}
BY_CODE = {
    "not_found": N_("We could not find that page or record."),
    "forbidden": N_("You may not do that."),
    "conflict": N_(
        "That cannot be done in the case's current state, or the record changed. "
        "Reload the page and try again."
    ),
    "invalid": N_("Some of the information is not valid. Check it and try again."),
    "too_large": N_("Upload a PDF, PNG or JPEG file of at most 10 MB."),
    "unsupported_media_type": N_("Upload a PDF, PNG or JPEG file of at most 10 MB."),
    "unauthenticated": N_("Log in first."),
    "rate_limited": N_("Too many failed log-ins. Wait 15 minutes and try again."),
}
GENERIC = N_("Something went wrong. Nothing was saved; you may try again.")


def of_error(exc: ServiceError) -> tuple[str | None, Msg]:
    """The form field an error belongs to (if any) and what to tell the user."""
    if isinstance(exc, BadInput):
        text = N_(
            "The answer to “%(field)s” holds characters or a number that cannot be stored. "
            "Check it and try again."
        )
        return exc.field, Msg(text, {"field": exc.field})
    if exc.field in BY_FIELD and exc.code != "forbidden":
        return exc.field, Msg(BY_FIELD[exc.field])
    return None, Msg(BY_CODE.get(exc.code, GENERIC))


def said(msg: Msg, lang: Lang) -> str:
    """A message in a language: declared words as they are, a msgid through the catalog."""
    if msg.words is not None:
        return msg.words.zh if lang.zh else msg.words.en
    return lang.gettext(msg.text) % msg.params if msg.params else lang.gettext(msg.text)
