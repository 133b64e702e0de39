"""Facts declared beside their programs: the declarations, the generated Profile sections, the
loader's folder check, the published column schema and renamed columns."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError, create_model

from talentvisa.rules.batch import normalize
from talentvisa.rules.columns import facts_schema
from talentvisa.rules.declarations import builtin_program_dir, declarations, load_declarations
from talentvisa.rules.errors import PopulationError
from talentvisa.rules.facts import FACTS, facts_of
from talentvisa.rules.loader import ProgramFileError, builtin_catalog, facts_read, load_catalog
from talentvisa.rules.profile import CoreProfile, Profile
from talentvisa.rules.sections import check_paths, section_fields
from talentvisa.simulation.population import Population

from .conftest import program_file

VISA_FREE = program_file("cn-visa-free").read_text("utf-8")
PASSPORT = "expr: passport_type == 'ordinary'"


def programs_copy(tmp_path: Path) -> Path:
    """The built-in programs folder, copied to be edited."""
    dest = tmp_path / "programs"
    shutil.copytree(builtin_program_dir(), dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


# --- the built-in declarations ------------------------------------------------------------


def test_every_fact_is_declared_with_a_bilingual_label_and_one_source() -> None:
    d = declarations()
    assert set(FACTS) == set(d.facts) and len(FACTS) > 100
    for f in d.facts.values():
        assert f.label.en and f.label.zh, f.name
        assert (f.source_path is None) != (f.derive is None), f.name
        assert f.folder == "common" or f.folder == f.file.split("/")[-2]
    with pytest.raises(TypeError):
        FACTS["x"] = FACTS["date_of_birth"]  # type: ignore[index]
    assert set(facts_of(Profile())) == set(FACTS)


def test_each_program_reads_only_common_facts_and_its_own_folders() -> None:
    d = declarations()
    for cp in builtin_catalog().values():
        own = cp.program.country.lower()
        for f in d.for_program(cp.id):
            assert f.folder in ("common", own), (cp.id, f.name, f.folder)
        assert {f.name for f in d.for_program(cp.id)} == facts_read(cp)
    sections = {s.folder: s for s in d.sections}
    assert sections["de"].programs == ["de-blue-card", "de-opportunity-card"]
    assert sections["de"].key == "germany" and sections["gb"].key is None
    assert [s.order for s in d.sections] == sorted(s.order for s in d.sections)


def test_the_version_is_stable_and_changes_with_a_declaration(tmp_path: Path) -> None:
    copy = programs_copy(tmp_path)
    assert load_declarations(copy).version == declarations().version
    edit(
        copy / "kr" / "facts.yaml",
        "  kr_lawful_stay_years:\n",
        "  kr_lawful_stay_years:\n    formerly: [kr_stay_years]\n",
    )
    assert load_declarations(copy).version != declarations().version


# --- the loader's checks ------------------------------------------------------------------


def test_a_program_reading_another_countrys_fact_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "cn-visa-free.yaml").write_text(
        VISA_FREE.replace(PASSPORT, "expr: de_prior_stay_6_months"), "utf-8"
    )
    with pytest.raises(ProgramFileError) as exc:
        load_catalog(tmp_path)
    (problem,) = exc.value.problems
    line = VISA_FREE.splitlines().index("    " + PASSPORT) + 1
    assert (problem.file, problem.line) == (str(tmp_path / "cn-visa-free.yaml"), line)
    assert "'de_prior_stay_6_months' is declared in de/facts.yaml" in problem.message
    assert "cn/facts.yaml or common/facts.yaml" in problem.message


def test_an_undeclared_fact_names_where_to_declare_it(tmp_path: Path) -> None:
    (tmp_path / "cn-visa-free.yaml").write_text(
        VISA_FREE.replace(PASSPORT, "expr: cn_passport_kind == 'ordinary'"), "utf-8"
    )
    with pytest.raises(ProgramFileError) as exc:
        load_catalog(tmp_path)
    (problem,) = exc.value.problems
    lines = VISA_FREE.splitlines()
    criterion = lines[problem.line - 1]  # the compiler names the criterion holding the expr
    assert criterion.startswith("  ") and criterion.endswith(":"), criterion
    assert 0 < lines.index("    " + PASSPORT) + 1 - problem.line < 6
    assert "unknown name 'cn_passport_kind'" in problem.message
    assert "programs/cn/facts.yaml or programs/common/facts.yaml" in problem.message


def test_a_program_in_another_countrys_folder_is_refused(tmp_path: Path) -> None:
    copy = programs_copy(tmp_path)
    shutil.move(copy / "cn" / "cn-visa-free.yaml", copy / "de" / "cn-visa-free.yaml")
    with pytest.raises(ProgramFileError, match=r"de/cn-visa-free\.yaml:\d+: country: a CN "):
        load_catalog(copy)


def test_the_built_in_folders_load_as_a_directory() -> None:
    assert set(load_catalog(builtin_program_dir())) == set(builtin_catalog())


# --- facts.yaml problems, as file:line ----------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "old", "new", "message"),
    [
        (
            "de",
            "    from: germany.prior_stay_6_months\n",
            "    from: germany.prior_stay_6_months\n    derive: de_prior_stay\n",
            "exactly one of `from` and `derive`",
        ),
        ("de", "    type: bool\n", "    type: boolean\n", "type: Input should be"),
        ("de", "country: DE", "country: AT", "country: must be DE"),
        ("kr", "  kr_lawful_stay_years:\n", "  date_of_birth:\n", "already declared at"),
        (
            "nz",
            "    from: new_zealand.skilled_work_years\n",
            "    from: germany.skilled_work_years\n",
            "germany is the section of de/",
        ),
    ],
)
def test_fact_file_problems_name_file_and_line(
    tmp_path: Path, folder: str, old: str, new: str, message: str
) -> None:
    copy = programs_copy(tmp_path)
    edit(copy / folder / "facts.yaml", old, new)
    with pytest.raises(ProgramFileError) as exc:
        load_declarations(copy)
    text = "\n".join(map(str, exc.value.problems))
    assert f"{copy / folder / 'facts.yaml'}:" in text and message in text, text
    assert all(p.line > 0 for p in exc.value.problems)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("from: job_offer.annual_salary", "from: job_offer.pay", "job_offer_salary.from: job_o"),
        ("- languages.clb\n", "- languages.clbb\n", "clb_english_min.reads: languages.clbb"),
        ("    ordinary:\n", "    regular:\n", "passport_type.values: the Profile allows"),
    ],
)
def test_a_path_or_value_outside_the_profile_is_refused(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    copy = programs_copy(tmp_path)
    edit(copy / "common" / "facts.yaml", old, new)
    decls = load_declarations(copy)
    with pytest.raises(ProgramFileError, match=r"common/facts\.yaml:\d+: ") as exc:
        check_paths(decls, CoreProfile)
    assert message in str(exc.value)


def test_a_derivation_that_is_not_registered_is_refused(tmp_path: Path) -> None:
    copy = programs_copy(tmp_path)
    edit(copy / "kr" / "facts.yaml", "derive: kr_kstar_stem_graduate", "derive: kr_kstar_gone")
    with pytest.raises(ProgramFileError, match=r"kr/facts\.yaml:\d+: .*kr_kstar_gone.*derive\.py"):
        load_declarations(copy).derivations()


# --- the Profile's sections, generated -----------------------------------------------------

JAPAN = """\
country: JP
section:
  key: japan
  title: {en: "Japan: Highly Skilled Professional", zh: 日本：高度专门职}
  order: 90
facts:
  jp_hsp_points:
    type: int
    min: 0
    max: 200
    label: {en: HSP points, zh: 高度人才积分}
    from: japan.points
  jp_activity:
    type: enum
    values:
      a: {en: academic research, zh: 学术研究}
      b: {en: specialised or technical, zh: 专业技术}
    label: {en: Activity, zh: 活动类别}
    from: japan.activity.kind
"""


def test_a_new_country_folder_adds_its_profile_section(tmp_path: Path) -> None:
    copy = programs_copy(tmp_path)
    (copy / "jp").mkdir()
    (copy / "jp" / "facts.yaml").write_text(JAPAN, "utf-8")
    decls = load_declarations(copy)
    fields, made = section_fields(decls, __name__)
    assert {"germany", "korea", "new_zealand", "canada", "japan"} == set(fields)
    assert {"Japan", "JapanActivity", "JpActivity"} <= set(made)
    model = create_model("Profile", __base__=CoreProfile, **fields)
    person = model.model_validate({"japan": {"points": 70, "activity": {"kind": "b"}}})
    assert person.japan.points == 70 and person.japan.activity.kind == "b"
    for bad in ({"points": 201}, {"points": -1}, {"activity": {"kind": "c"}}, {"pts": 1}):
        with pytest.raises(ValidationError):
            model.model_validate({"japan": bad})


def test_the_sections_keep_their_json_shape_and_bounds() -> None:
    p = Profile.model_validate(
        {
            "germany": {"qualification_recognition": "full", "experience_years_last_5": 5},
            "canada": {"first_official_language": "fr", "spouse_language": {"reading": 12}},
        }
    )
    assert p.model_dump(exclude_none=True)["canada"] == {
        "first_official_language": "fr",
        "spouse_language": {"reading": 12},
    }
    for bad in (
        {"germany": {"experience_years_last_5": 5.5}},
        {"canada": {"spouse_language": {"reading": 13}}},
        {"korea": {"lawful_stay_years": -1}},
        {"new_zealand": {"qualification_level": 11}},
        {"germany": {"recognition": "full"}},
    ):
        with pytest.raises(ValidationError):
            Profile.model_validate(bad)


# --- the column schema and renamed columns -------------------------------------------------


def test_the_column_schema_types_each_fact() -> None:
    doc = facts_schema(declarations())
    assert doc["version"] == declarations().version
    cols = doc["properties"]
    assert set(cols) == set(FACTS)
    assert cols["date_of_birth"]["format"] == "date"
    assert cols["de_qualification_recognition"]["enum"] == ["full", "partial", "none", None]
    assert (
        cols["de_experience_years_last_5"]["minimum"],
        cols["de_experience_years_last_5"]["maximum"],
    ) == (0, 5)
    assert cols["kr_annual_income_krw"]["x-unit"] == "KRW"


def renamed_patents(tmp_path: Path):  # type: ignore[no-untyped-def]
    copy = programs_copy(tmp_path)
    edit(
        copy / "common" / "facts.yaml",
        "  has_patents:\n",
        "  has_patents:\n    formerly: [patents]\n",
    )
    return load_declarations(copy)


def test_an_old_column_name_is_refused_naming_the_new_one(tmp_path: Path) -> None:
    decls = renamed_patents(tmp_path)
    assert decls.renamed == {"patents": "has_patents"}
    assert facts_schema(decls)["properties"]["has_patents"]["x-formerly"] == ["patents"]
    frame = pl.DataFrame({"patents": [True], "cn_talent_programme": [False]})
    with pytest.raises(PopulationError, match="column 'patents' is now named 'has_patents'"):
        normalize(frame, decls)
    path = tmp_path / "people.parquet"
    frame.write_parquet(path)
    with pytest.raises(PopulationError, match="now named 'has_patents'"):
        Population.open(path, decls)
    csv = tmp_path / "people.csv"
    frame.write_csv(csv)
    with pytest.raises(PopulationError, match="now named 'has_patents'"):
        Population.open(csv, decls)
    # Without the rename declared, such a column is no fact and is left aside, as before.
    assert normalize(frame)["has_patents"].to_list() == [None]
