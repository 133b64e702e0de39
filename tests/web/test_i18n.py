"""Every message of the portal has a real Chinese translation, and the catalogs are current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from talentvisa.auth.models import Role
from talentvisa.cases.schemas import OverrideCode
from talentvisa.cases.workflow import TRANSITIONS, State
from talentvisa.lottery.rules import Variant
from talentvisa.rules.assessment import FeeStatus, Outcome
from talentvisa.rules.model import Benefits, Category, Frequency, Payer, Reliability
from talentvisa.rules.profile import DegreeLevel, ExperienceKind, FieldGroup
from talentvisa.web import labels

WEB = Path(__file__).resolve().parents[2] / "src" / "talentvisa" / "web"


def extracted() -> Catalog:
    with (WEB / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    catalog = Catalog()
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(WEB), method_map, options_map
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return catalog


def catalog(lang: str) -> Catalog:
    with (WEB / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
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
    import re

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
