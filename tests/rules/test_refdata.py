"""Shared reference data (src/talentvisa/data): programs agree with it, and lookups are
three-valued (a name missing from a list that is not transcribed is unknown, never False)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from talentvisa.rules import builtin_catalog
from talentvisa.rules.params import value_entry
from talentvisa.rules.profile import CEFR_ORDINAL
from talentvisa.rules.refdata import convert, hpi_listed, kstar_designated, load, normalise

CATALOG = builtin_catalog()


def _param(pid: str, name: str, on: dt.date) -> object:
    prog = CATALOG[pid].program
    return value_entry(pid, name, prog.parameters[name], on).value


def test_kr_gni_in_the_program_is_the_reference_figure() -> None:
    y2025, y2026, unpublished = load("gni_and_wages")["kr_gni_per_capita"]["versions"]
    assert y2025["value"] * 3 == 149_865_000 and y2025["value"] * 4 == 199_820_000
    assert y2026["value"] * 3 == 157_248_000 and y2026["value"] * 4 == 209_664_000
    # GNI periods run 1 April to 31 March, not by calendar year.
    assert (y2026["from"], unpublished["from"]) == (dt.date(2026, 4, 1), dt.date(2027, 4, 1))
    assert _param("kr-top-tier", "gni_per_capita", dt.date(2026, 3, 31)) == y2025["value"]
    assert _param("kr-top-tier", "gni_per_capita", dt.date(2026, 4, 1)) == y2026["value"]
    assert _param("kr-top-tier", "gni_per_capita", dt.date(2027, 3, 31)) == y2026["value"]
    # The next period's figure is not published: unknown, never the last figure carried over.
    assert unpublished["value"] is None
    assert _param("kr-top-tier", "gni_per_capita", dt.date(2027, 4, 1)) is None


@pytest.mark.parametrize("version", load("gni_and_wages")["nz_median_wage"]["versions"])
def test_nz_median_wage_in_the_program_is_the_reference_figure(version: dict) -> None:
    on = max(version["from"], dt.date(2023, 11, 1))
    assert _param("nz-smc", "median_wage", on) == version["value"]


@pytest.mark.parametrize(
    ("on", "general", "reduced"),
    [
        (dt.date(2024, 6, 1), 45300, 41041.80),
        (dt.date(2025, 6, 1), 48300, 43759.80),
        (dt.date(2026, 6, 1), 50700, 45934.20),
    ],
)
def test_blue_card_thresholds_follow_the_pension_ceiling_shares(
    on: dt.date, general: float, reduced: float
) -> None:
    shares = load("gni_and_wages")["de_pension_ceiling_shares"]
    g = _param("de-blue-card", "general_threshold", on)
    r = _param("de-blue-card", "reduced_threshold", on)
    assert (g, r) == (general, reduced)
    ceiling = general / shares["general"]
    assert round(ceiling * shares["reduced"], 2) == reduced


def test_language_orderings_match_the_profile() -> None:
    levels = load("language_levels")
    assert levels["cefr"]["order"] == list(CEFR_ORDINAL)
    assert [CEFR_ORDINAL[x] for x in levels["cefr"]["order"]] == list(range(1, 7))
    assert levels["clb"]["order"] == list(range(1, 13))


def test_currency_conversion_is_dated_and_approximate() -> None:
    c = convert(1000, "EUR", "USD", dt.date(2026, 1, 1))
    assert c is not None and c.rate_date == dt.date(2025, 2, 28)
    assert round(c.amount, 2) == 1041.10
    back = convert(c.amount, "USD", "EUR", dt.date(2026, 1, 1))
    assert back is not None and round(back.amount, 6) == 1000
    assert convert(1000, "EUR", "XXX") is None
    assert convert(None, "EUR", "USD") is None


def test_hpi_list_lookup_is_three_valued() -> None:
    award = dt.date(2022, 6, 1)
    assert hpi_listed("Massachusetts Institute of Technology", award, "top50") is True
    assert hpi_listed("MIT", award, "top50") is True
    assert hpi_listed("ETH Zurich", award, "top50") is True
    assert hpi_listed("University of Mumbai", award, "top50") is False
    # an award year whose list is not transcribed, and the expanded lists: unknown
    assert hpi_listed("Harvard University", dt.date(2019, 6, 1), "top50") is None
    assert hpi_listed("University of Mumbai", award, "top100") is None
    # a top-50 listing carries over to the top-100 list of the same year
    assert hpi_listed("Harvard University", award, "top100") is True
    assert hpi_listed(None, award, "top50") is None


def test_kstar_list_is_known_to_be_incomplete() -> None:
    assert kstar_designated("KAIST", "KR") is True
    assert kstar_designated("Korea Advanced Institute of Science and Technology", None) is True
    assert kstar_designated("Jeonbuk National University", "KR") is True
    assert kstar_designated("JBNU", None) is True
    assert kstar_designated("Seoul National University", "KR") is None
    assert kstar_designated("Stanford University", "US") is False


def test_k_visa_well_known_list_defaults_to_unknown() -> None:
    assert load("cn_k_well_known_institutions")["institutions"] is None


def test_normalise_ignores_case_accents_and_punctuation() -> None:
    assert normalise("École Polytechnique Fédérale de Lausanne") == normalise(
        "ecole polytechnique federale de lausanne"
    )
    assert normalise("Paris Sciences et Lettres – PSL") == "paris sciences et lettres psl"


def _ee_rounds_2026(category: str) -> list[dict]:
    return [r for r in load("ca_ee_rounds")["rounds"] if r["category"] == category]


@pytest.mark.parametrize(
    ("category", "rounds", "invitations", "lowest", "highest"),
    [
        # The 2026 category rounds through round 444 (16 Sep 2026), UPDATES-2026-12.md.
        ("french", 10, 50_500, 382, 420),
        ("healthcare", 3, 11_500, 467, 475),
        ("physicians", 3, 891, 169, 223),
        ("senior_managers", 3, 1_000, 389, 429),
        ("trades", 1, 3_000, 477, 477),
        ("transport", 1, 300, 470, 470),
        ("military", 1, 4, 368, 368),
    ],
)
def test_express_entry_2026_category_rounds_add_up(
    category: str, rounds: int, invitations: int, lowest: int, highest: int
) -> None:
    got = _ee_rounds_2026(category)
    assert len(got) == rounds
    assert sum(r["invitations"] for r in got) == invitations
    cutoffs = [r["crs_cutoff"] for r in got]
    assert (min(cutoffs), max(cutoffs)) == (lowest, highest)


def test_express_entry_round_history_is_dated_and_complete_to_round_444() -> None:
    data = load("ca_ee_rounds")
    rounds = data["rounds"]
    assert [r["round"] for r in rounds] == list(range(389, 445))
    assert all(data["covers_from"] <= r["date"] < data["covers_before"] for r in rounds)
    assert rounds[-1]["date"] == dt.date(2026, 9, 16)
    assert [r["date"] for r in rounds] == sorted(r["date"] for r in rounds)
    cec = [r["crs_cutoff"] for r in _ee_rounds_2026("cec")]
    pnp = [r["crs_cutoff"] for r in _ee_rounds_2026("pnp")]
    assert (min(cec), max(cec)) == (507, 523) and (min(pnp), max(pnp)) == (697, 805)
    # No STEM, education or researchers round through 16 Sep 2026.
    assert not {"stem", "education", "researchers"} & {r["category"] for r in rounds}
    # The round history is not a value of the law: the program's cut-off stays unknown.
    assert _param("ca-express-entry", "draw_cutoff", dt.date(2026, 9, 17)) is None


def test_hpi_expanded_lists_are_dated_versions_without_invented_names() -> None:
    top100 = load("uk_hpi_universities")["versions"]["top100"]
    years = top100["award_years"]
    assert top100["published"] == dt.date(2025, 11, 4)
    # One list per award year (1 November - 31 October), contiguous, from 2020/21 to 2025/26.
    assert years[0]["award_from"] == dt.date(2020, 11, 1)
    assert years[-1]["award_before"] == dt.date(2026, 11, 1)
    for earlier, later in itertools.pairwise(years):
        assert earlier["award_before"] == later["award_from"]
    # No copy of the expanded lists could be opened: every year is unknown, not empty.
    assert all(y["institutions"] is None for y in years)
    assert hpi_listed("University of Mumbai", dt.date(2025, 6, 1), "top100") is None
    assert hpi_listed("Harvard University", dt.date(2026, 6, 1), "top100") is None
