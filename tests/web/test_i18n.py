"""Every message of the portal has a real Chinese translation, and the catalogs are current."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from talentvisa.auth.models import Role
from talentvisa.cases.schemas import OverrideCode
from talentvisa.cases.workflow import TRANSITIONS, State
from talentvisa.lottery.rules import Variant
from talentvisa.rules.assessment import FeeStatus, Outcome
from talentvisa.rules.facts import FACTS
from talentvisa.rules.loader import builtin_catalog
from talentvisa.rules.messages import MESSAGES, fact_labels
from talentvisa.rules.messages import message as engine_message
from talentvisa.rules.model import Benefits, Category, Frequency, Payer, Reliability
from talentvisa.rules.profile import DegreeLevel, ExperienceKind, FieldGroup, Profile
from talentvisa.web import engine_text, i18n, labels
from talentvisa.web.form import builtin_form
from talentvisa.web.i18n import LANGUAGES

from .conftest import facts_read

PKG = Path(__file__).resolve().parents[2] / "src" / "talentvisa"


def extracted() -> Catalog:
    with (PKG / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(PKG), method_map, options_map
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return catalog


def catalog(lang: str) -> Catalog:
    with (PKG / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def test_every_message_has_a_chinese_translation() -> None:
    zh = catalog("zh_Hans")
    missing = []
    for m in extracted():
        if not m.id:
            continue
        t = zh.get(m.id)
        strings = [] if t is None else ([t.string] if isinstance(t.string, str) else t.string)
        if t is None or t.fuzzy or not strings or not all(strings):
            missing.append(m.id)
    assert not missing, f"add zh_Hans translations (make messages, then edit the .po): {missing}"


def test_the_catalogs_are_not_stale() -> None:
    wanted = {m.id for m in extracted() if m.id}
    for lang in ("en", "zh_Hans"):
        have = {m.id for m in catalog(lang) if m.id}
        assert have == wanted, (
            f"{lang} catalog is stale; run `make messages`: "
            f"missing {sorted(map(str, wanted - have))}, obsolete {sorted(map(str, have - wanted))}"
        )


def test_translations_keep_their_placeholders() -> None:
    for m in catalog("zh_Hans"):
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[-1]))
        for s in strings:
            assert set(re.findall(r"%\((\w+)\)s", s)) == wanted, m.id


def test_every_enum_value_users_see_has_a_label() -> None:
    enums = {
        "outcome": Outcome,
        "state": State,
        "role": Role,
        "payer": Payer,
        "fee_status": FeeStatus,
        "frequency": Frequency,
        "category": Category,
        "override": OverrideCode,
        "variant": Variant,
        "reliability": Reliability,
        "degree": DegreeLevel,
        "field": FieldGroup,
        "experience": ExperienceKind,
    }
    for kind, enum in enums.items():
        assert {e.value for e in enum} <= set(labels.LABELS[kind]), kind
    assert set(Benefits.model_fields) <= set(labels.LABELS["benefit"])
    assert set(TRANSITIONS) <= set(labels.LABELS["action"])


# --- what the rules say: program units, engine notes, missing facts ------------------------


def test_every_fact_a_program_reads_has_a_bilingual_label() -> None:
    labelled = fact_labels()
    read = {f for cp in builtin_catalog().values() for f in facts_read(cp)}
    assert read, "no program reads a fact?"
    unlabelled = read - set(labelled)
    assert not unlabelled, f"label these in programs/<folder>/facts.yaml: {unlabelled}"
    assert set(labelled) <= set(FACTS), f"labels of unknown facts: {set(labelled) - set(FACTS)}"
    for name in read:
        assert re.search(r"[\u3400-\u9fff]", labelled[name].zh), name


def test_every_engine_message_has_a_chinese_wording() -> None:
    zh = catalog("zh_Hans")
    assert set(engine_text.WORDING) == set(MESSAGES), "word each engine message in engine_text"
    for code, spec in MESSAGES.items():
        msgid = engine_text.WORDING[code]
        assert set(re.findall(r"%\((\w+)\)s", msgid)) == set(spec.params), code
        entry = zh.get(msgid)
        assert entry is not None and entry.string and not entry.fuzzy, code
    # Each renders in both languages from the parameters the engine gives.
    samples = {"date": dt.date(2025, 10, 1), "value": 35, "text": "max_age"}
    for code, spec in MESSAGES.items():
        m = engine_message(code, **{k: samples[kind] for k, kind in spec.params.items()})
        for lang in LANGUAGES:
            token = i18n.current.set(i18n.Lang(lang))
            try:
                said = engine_text.say_message(m)
            finally:
                i18n.current.reset(token)
            assert "2025" in said or code in ("deployer_setting", "not_converted"), (code, said)
            assert ("年" in said) == (lang == "zh_Hans" and "date" in spec.params.values())


def test_every_unit_of_a_parameter_has_a_label() -> None:
    units = {
        p.unit
        for cp in builtin_catalog().values()
        for p in cp.program.parameters.values()
        if p.unit
    }
    unlabelled = {
        u for u in units if u not in labels.LABELS["unit"] and not re.fullmatch("[A-Z]{3}", u)
    }
    assert not unlabelled, f"add to labels.LABELS['unit']: {unlabelled}"


def _allowed(path: tuple[str | int, ...]) -> set[str] | None:
    """The values a Profile accepts at a path, when it is an enum or a literal."""
    model: Any = Profile
    for key in path:
        if isinstance(key, int) or not hasattr(model, "model_fields"):
            continue  # an entry of a list, or a key of a mapping: its type is the items'
        model = model.model_fields[key].annotation
        while get_origin(model) in (Union, UnionType, list, dict) and _values(model) is None:
            model = next(a for a in reversed(get_args(model)) if a is not type(None))
    return _values(model)


def _values(kind: Any) -> set[str] | None:
    if get_origin(kind) in (Union, UnionType):
        parts = [_values(a) for a in get_args(kind) if a is not type(None)]
        return None if None in parts else set().union(*(p for p in parts if p is not None))
    if isinstance(kind, type) and issubclass(kind, Enum):
        return {e.value for e in kind}
    if get_origin(kind) is Literal:
        return set(get_args(kind))
    return None


def test_every_choice_of_the_fit_form_is_one_the_profile_accepts_with_both_labels() -> None:
    for q in builtin_form().questions():
        if q.asked.type != "enum":
            continue
        allowed = _allowed(q.path)
        declared = set(q.asked.values) - set(q.asked.empty_when)
        assert allowed is None or declared == allowed, (q.name, declared ^ allowed)
        assert all(t.en and t.zh for t in q.asked.values.values()), q.name
