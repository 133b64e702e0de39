"""The fit form and the CLI's missing answers come from the question declarations beside the
programs: a folder that declares a question is asked it, with no edit of web/ or cli/."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from talentvisa.rules.facts import facts_of
from talentvisa.rules.loader import ProgramFileError
from talentvisa.rules.profile import Profile
from talentvisa.rules.questions import load_questions, question_of
from talentvisa.web import fit, i18n
from talentvisa.web.form import build, builtin_form
from talentvisa.web.page import ENV

from ..conftest import EXAMPLES, PROGRAMS

#: A new country folder: one fact, asked, read from a part every Profile has.
FACTS = """\
country: SG
section:
  title: {en: "Singapore: ONE Pass", zh: "新加坡：ONE Pass"}
  order: 5
facts:
  sg_patents:
    type: bool
    label: {en: Holds patents, zh: 持有专利}
    question:
      en: Do you hold a patent?
      zh: 您是否持有专利？
    hint: {en: Granted anywhere., zh: 在任何国家获得授权。}
    from: recognitions.patents
    form: sg_patent
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    dest = tmp_path / "programs"
    shutil.copytree(PROGRAMS, dest, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "sg").mkdir()
    (dest / "sg" / "facts.yaml").write_text(FACTS, "utf-8")
    return dest


def page(form: object, lang: str, answers: dict[str, str] | None = None) -> str:
    token = i18n.current.set(i18n.Lang(lang))
    try:
        return ENV.get_template("fit_form.html").render(
            page=None,
            user=None,
            lang=i18n.Lang(lang),
            languages={},
            answers=fit.answers_of(answers or {}, form),  # type: ignore[arg-type]
            errors={},
            today=None,
            form=form,
            section_open=fit.section_open,
        )
    finally:
        i18n.current.reset(token)


def test_a_folders_question_appears_in_the_form_and_its_answer_in_the_profile(
    folder: Path,
) -> None:
    form = build(tuple(load_questions(folder)))
    sg = form.more[0]
    assert sg.id == "sg" and [q.name for q in sg.questions()] == ["sg_patent"]
    html = page(form, "en")
    assert 'id="more-sg"' in html and "Singapore: ONE Pass" in html
    assert "Do you hold a patent?" in html and "Granted anywhere." in html
    assert '<select id="f-sg_patent" name="sg_patent"' in html
    assert "您是否持有专利？" in page(form, "zh_Hans")
    profile, _, errors = fit.profile_of(fit.answers_of({"sg_patent": "yes"}, form), form)
    assert not errors and profile == {"recognitions": {"patents": True}}
    assert facts_of(Profile.model_validate(profile))["has_patents"] is True
    # Every shipped question is still there, and the shipped form does not ask this one.
    assert set(builtin_form().by_name()) < set(form.by_name())
    assert "sg_patent" not in builtin_form().by_name()


def test_the_cli_names_a_missing_answer_by_the_folders_question(folder: Path, cli) -> None:
    cn = folder / "cn" / "facts.yaml"
    label = "      en: Selected for a Chinese talent programme\n      zh: 是否入选中国人才计划\n"
    text = cn.read_text("utf-8")
    assert label in text
    cn.write_text(
        text.replace(
            label,
            label + "    question:\n      en: Chosen by a talent plan?\n"
            "      zh: 是否入选人才计划？\n",
            1,
        ),
        "utf-8",
    )
    args = ("check", str(EXAMPLES / "missing-facts.yaml"), "--program", "cn-r", "--on")
    shipped = cli(*args, "2026-03-15")
    assert shipped.returncode == 0, shipped.stderr
    assert "Selected for a Chinese talent programme" in shipped.stdout  # the fact's label
    declared = cli(*args, "2026-03-15", "--programs", str(folder))
    assert declared.returncode == 0, declared.stderr
    assert "Chosen by a talent plan?" in declared.stdout
    assert "cn_talent_programme=?" in declared.stdout  # the read column still names the fact


def test_the_shipped_questions_name_missing_answers() -> None:
    assert question_of("date_of_birth") == "Date of birth"
    assert question_of("ca_federal_program_eligible").startswith("Do you meet the requirements")
    assert question_of("stem_degree_level") == "Highest STEM degree"  # never asked: its label
    assert question_of("no_such_fact") == "no_such_fact"


def test_an_old_result_link_gives_the_answers_it_always_gave() -> None:
    # A link shared before the form was generated: the query-string names are today's.
    old = (
        "dob=1996-05-01&nationality=in&degree=master&field=computer_science&spouse=no"
        "&has_offer=yes&offer_country=ca&salary=90000&currency=cad&noc=21231"
        "&ca_class=yes&ca_first=en&clb_en_r=9&clb_en_w=8&clb_en_l=9&clb_en_s=8"
        "&experience=6&academic=yes&rank=40&f500_years=2&postdoc_years=3&postdoc_top_years=1"
        "&funds=20000&funds_currency=gbp&english=C1&german=none&de_recognition=partial"
    )
    query = dict(pair.split("=") for pair in old.split("&"))
    profile, _, errors = fit.profile_of(fit.answers_of(query))
    assert not errors, errors
    f = facts_of(Profile.model_validate(profile))
    assert f["nationalities"] == ["IN"] and f["job_offer_country"] == "CA"
    assert f["job_offer_noc_teer"] == 1 and f["ca_first_language_min"] == 8
    assert f["work_experience_years"] == 6 and f["fortune500_years"] == 2
    assert f["postdoc_research_years"] == 3 and f["postdoc_top_institute_years"] == 1
    assert f["stem_academic_role"] is True and f["highest_degree_level"] == 5
    assert f["funds_currency"] == "GBP" and f["cefr_german"] == 0
    assert f["de_qualification_recognition"] == "partial" and f["has_spouse"] is False


def test_a_bad_question_file_is_refused_with_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "xx").mkdir()
    bad = tmp_path / "xx" / "questions.yaml"
    bad.write_text(
        textwrap.dedent(
            """\
            section: {key: xx, title: {en: X, zh: X}, order: 1}
            asked:
              ok: {type: bool, question: {en: "A?", zh: "A?"}, from: has_job_offer}
              wrong:
                type: number
                question: {en: "B?", zh: "B?"}
                from: funds.amount
            """
        ),
        "utf-8",
    )
    with pytest.raises(ProgramFileError) as exc:
        load_questions(tmp_path)
    assert f"{bad}:5: asked.wrong.type:" in str(exc.value)
