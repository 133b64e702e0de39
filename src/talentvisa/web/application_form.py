"""An application as steps of a form, each saving into the draft's Profile.

Every program's form starts with the same steps (about you, education, work); a program whose
facts ask more gets one step of its own after them, generated from its fact declarations
(web/form.py), then documents and review. A field is named by its path in the Profile, so a
step reads and writes only its own part and leaves every other fact in the draft as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from talentvisa.cases.service import REQUIRED_TO_SUBMIT
from talentvisa.rules.declarations import Declarations, declarations
from talentvisa.rules.profile import Profile
from talentvisa.web import answer
from talentvisa.web.code_lists import known_country
from talentvisa.web.form import Form, Question, builtin_form
from talentvisa.web.i18n import N_
from talentvisa.web.messages import Msg

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Field:
    name: str
    path: Path
    label: str
    kind: str  # text, date, country, number, yesno, or a labels kind for a select
    hint: str | None = None

    @property
    def required(self) -> bool:
        """Submitting refuses a profile without it, so the first step already says so."""
        return self.path[0] in REQUIRED_TO_SUBMIT


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    fields: tuple[Field, ...]
    asked: tuple[Question, ...] = ()  # the program's own step: questions of its declarations

    @property
    def saves(self) -> bool:
        return bool(self.fields or self.asked)

    def answers(self) -> tuple[Field | Question, ...]:
        """What the step asks, hand-laid fields and declared questions alike."""
        return (*self.fields, *self.asked)


DEGREE: Path = ("degrees", 0)
JOB: Path = ("experience", 0)
STEPS = (
    Step(
        "you",
        N_("About you"),
        (
            Field("name", ("name",), N_("Full name"), "text"),
            Field("dob", ("date_of_birth",), N_("Date of birth"), "date"),
            Field(
                "nationality",
                ("nationalities", 0),
                N_("Nationality"),
                "country",
            ),
            Field("passport", ("passport_type",), N_("Passport type"), "passport"),
            Field(
                "residence",
                ("current_country",),
                N_("Country where you live now"),
                "country",
            ),
        ),
    ),
    Step(
        "education",
        N_("Education"),
        (
            Field("degree", (*DEGREE, "level"), N_("Highest degree"), "degree"),
            Field("field", (*DEGREE, "field"), N_("Field of study"), "field"),
            Field(
                "cip",
                (*DEGREE, "cip"),
                N_("Programme code (CIP)"),
                "text",
                N_("If you know it, for example 11.0701 for computer science."),
            ),
            Field("institution", (*DEGREE, "institution"), N_("University"), "text"),
            Field(
                "institution_country",
                (*DEGREE, "institution_country"),
                N_("Country of the university"),
                "country",
            ),
            Field(
                "rank",
                (*DEGREE, "institution_rank"),
                N_("World ranking of the university"),
                "number",
                N_("Its position in a world ranking such as QS, if you know it."),
            ),
            Field("graduated", (*DEGREE, "graduation_date"), N_("Graduation date"), "date"),
        ),
    ),
    Step(
        "work",
        N_("Work and research"),
        (
            Field("job_kind", (*JOB, "kind"), N_("Kind of work"), "experience"),
            Field("years", (*JOB, "years"), N_("Years of work experience"), "number"),
            Field(
                "academic",
                (*JOB, "at_university_or_research_institution"),
                N_("At a university or research institution?"),
                "yesno",
            ),
            Field("stem_work", (*JOB, "stem"), N_("Is the work in a STEM field?"), "yesno"),
            Field(
                "job_rank",
                (*JOB, "institution_rank"),
                N_("World ranking of that institution"),
                "number",
            ),
        ),
    ),
    Step("documents", N_("Documents"), ()),
    Step("review", N_("Review and submit"), ()),
)
#: The steps every program's form starts with, and those it ends with.
COMMON, CLOSING = STEPS[:3], STEPS[3:]
OWN = "program"
FIRST = STEPS[0].slug
#: Paths a common step's fields fill: a program's own step does not ask them again.
COVERED = frozenset(f.path for s in COMMON for f in s.fields)


def _path(dotted: str) -> Path:
    return tuple(int(p) if p.isdigit() else p for p in dotted.split(".") if p)


def _reads(decls: Declarations, program_id: str) -> tuple[set[str], list[Path]]:
    """The facts a program reads, and the profile paths its derived facts read below a part
    (a whole part such as `degrees` or `job_offer` is asked by its facts' own questions)."""
    facts = decls.for_program(program_id)
    below = [_path(r) for f in facts for r in f.reads if "." in r]
    return {f.name for f in facts}, below


def own_questions(
    program_id: str, decls: Declarations | None = None, form: Form | None = None
) -> tuple[Question, ...]:
    """The questions of the fit form (generated from the declarations) that this program
    reads and the common steps do not ask, in the fit form's order."""
    names, below = _reads(decls or declarations(), program_id)
    out = []
    for q in (form or builtin_form()).questions():
        if not q.path or q.path in COVERED:
            continue  # carved answers (no path) need the fit form's whole set of answers
        if q.asked.fact in names or any(q.path[: len(p)] == p for p in below):
            out.append(q)
    return tuple(out)


def steps_for(program_id: str) -> tuple[Step, ...]:
    """The form's steps for one program: the K visa's five, with the program's own
    questions (if any) as a step between work and documents."""
    asked = own_questions(program_id)
    if not asked:
        return STEPS
    return (*COMMON, Step(OWN, N_("Questions of this program"), (), asked), *CLOSING)


def step(slug: str, steps: tuple[Step, ...] = STEPS) -> Step | None:
    return next((s for s in steps if s.slug == slug), None)


def slugs(steps: tuple[Step, ...]) -> list[str]:
    return [s.slug for s in steps]


def get(profile: Mapping[str, Any], path: Path) -> Any:
    node: Any = profile
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or len(node) <= part:
                return None
        elif not isinstance(node, Mapping):
            return None
        node = node[part] if isinstance(part, int) else node.get(part)
    return node


def _put(profile: dict[str, Any], path: Path, value: Any) -> None:
    node: Any = profile
    for part, nxt in itertools.pairwise(path):
        empty: Any = [] if isinstance(nxt, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append(empty)
            node = node[part]
        else:
            node = node.setdefault(part, empty)
    last = path[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
        node[last] = value
    elif value is None:
        node.pop(last, None)
    else:
        node[last] = value


def shown(profile: Mapping[str, Any], f: Field | Question) -> str:
    """A field's current value as the form shows it."""
    value = get(profile, f.path)
    if isinstance(f, Question) and isinstance(value, list):
        value = value[0] if value else None  # a code list asked as one choice
    if value is None:
        return ""
    if isinstance(value, bool) or (isinstance(f, Field) and f.kind == "yesno"):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse(f: Field, raw: str) -> tuple[Any, Msg | None]:
    if raw == "":
        return None, None
    if f.kind == "date":
        try:
            return dt.date.fromisoformat(raw).isoformat(), None
        except ValueError:
            return None, Msg(N_("Enter a date as YYYY-MM-DD."))
    if f.kind == "country":
        if not known_country(raw.upper()):
            return None, Msg(N_("Choose a country from the list."))
        return raw.upper(), None
    if f.kind == "number":
        try:
            n = float(raw.replace(",", ""))
        except ValueError:
            return None, Msg(N_("Enter a number."))
        if not math.isfinite(n):  # "1e400" parses, as infinity
            return None, Msg(N_("Enter a number."))
        if n < 0:
            return None, Msg(N_("Enter a number of zero or more."))
        return (int(n) if f.name.endswith("rank") else n), None
    if f.kind == "yesno":
        return {"yes": True, "no": False}.get(raw), None
    return raw[:300], None


def apply(
    profile: Mapping[str, Any], s: Step, form: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, Msg]]:
    """The profile with this step's answers, and errors by field; other facts stay as they were."""
    out = copy.deepcopy(dict(profile))
    errors: dict[str, Msg] = {}
    _apply_asked(out, s.asked, form, errors)
    for f in s.fields:
        value, error = _parse(f, str(form.get(f.name, "")).strip())
        if error is not None:
            errors[f.name] = error
            continue
        if f.kind in ("number",) and f.name.endswith("rank") and value is not None and value < 1:
            errors[f.name] = Msg(N_("Enter a ranking position of 1 or more."))
            continue
        _put(out, f.path, value)
    if out.get("nationalities") is not None:
        out["nationalities"] = [n for n in out["nationalities"] if n] or None
        if out["nationalities"] is None:
            out.pop("nationalities")
    if not errors:
        try:
            Profile.model_validate(out)
        except ValidationError as exc:
            for e in exc.errors():
                loc = tuple(e["loc"])
                match = next((f.name for f in s.answers() if loc[: len(f.path)] == f.path), None)
                errors[match or "_form"] = Msg(N_("Check this answer."))
    return out, errors


def _apply_asked(
    out: dict[str, Any],
    asked: tuple[Question, ...],
    form: Mapping[str, str],
    errors: dict[str, Msg],
) -> None:
    """Declared questions, checked by their declared type (as the fit form checks them)."""
    values: dict[str, Any] = {}
    for q in asked:
        values[q.name], error = answer.parse(str(form.get(q.name, "")).strip(), q.asked)
        if error is not None:
            errors[q.name] = error
    for q in asked:
        if q.name in errors:
            continue
        _put(out, q.path, values[q.name])
        for key, extra in q.asked.when_yes.items() if values[q.name] is True else ():
            if isinstance(extra, str) and extra.startswith("$"):
                extra = values.get(extra[1:])
            if extra is not None:
                _put(out, (*q.path[:-1], key), extra)
        for other, said in q.asked.needs.items() if values[q.name] is not None else ():
            if other in values and values[other] is None:
                errors.setdefault(other, Msg.declared(said))
