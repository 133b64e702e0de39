"""The real `talentvisa` command, run as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from talentvisa.rules.declarations import declarations
from tests.conftest import EXAMPLES, PROGRAMS, ROOT, program_file


def test_programs_list_shows_every_program(cli) -> None:
    r = cli("programs", "list", "--on", "2026-01-01", "--json")
    assert r.returncode == 0, r.stderr
    rows = {p["id"]: p for p in json.loads(r.stdout)}
    assert {"cn-k", "cn-r", "cn-visa-free", "us-h1b"} <= set(rows)
    assert rows["cn-k"]["in_force"] is True
    assert len(rows["us-h1b"]["hash"]) == 64


def test_programs_list_respects_the_date(cli) -> None:
    rows = {
        p["id"]: p
        for p in json.loads(cli("programs", "list", "--on", "2025-09-01", "--json").stdout)
    }
    assert rows["cn-k"]["in_force"] is False


def test_programs_show_lists_parameters_with_sources_and_history(cli) -> None:
    r = cli("programs", "show", "us-h1b", "--on", "2026-11-23")
    assert r.returncode == 0, r.stderr
    assert "proclamation_payment" in r.stdout
    assert "https://www.govinfo.gov/content/pkg/FR-2025-09-24/html/2025-18601.htm" in r.stdout
    assert "2025-09-21" in r.stdout and "2027-09-21" in r.stdout  # the history, not one value
    assert "★ proclamation_payment" in r.stdout  # the value in force on --on


@pytest.mark.parametrize(("on", "in_force"), [("2025-03-24", "200"), ("2026-11-29", "0")])
def test_programs_show_the_express_entry_values_with_sources(cli, on: str, in_force: str) -> None:
    r = cli("programs", "show", "ca-express-entry", "--on", on)
    assert r.returncode == 0, r.stderr
    name = "★ arranged_employment_points_major_group_00"
    star = next(line for line in r.stdout.splitlines() if name in line)
    assert f"│ {in_force} " in star  # the job-offer points in force on `on`
    assert "2025-03-25" in r.stdout and "fvbb-2025" in r.stdout  # the history and its sources
    assert "express-entry-application-management-system/current.html" in r.stdout
    assert "group transferability" in r.stdout and "mi-current" in r.stdout  # factor sources


def test_check_json_is_the_explained_assessment(cli) -> None:
    r = cli(
        "check",
        str(EXAMPLES / "indian-stem-graduate.yaml"),
        "--program",
        "us-h1b",
        "--on",
        "2026-03-15",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    [a] = json.loads(r.stdout)
    assert a["outcome"] == "eligible"
    assert a["program_hash"] and a["on"] == "2026-03-15"
    fee = next(f for f in a["fees"] if f["id"] == "proclamation")
    assert (fee["status"], fee["amount"], fee["payer"]) == ("due", 100000.0, "employer")
    crit = next(c for c in a["criteria"] if c["id"] == "us_employer")
    assert crit["facts"] == {"has_job_offer": True, "job_offer_country": "US"}
    assert crit["sources"][0]["url"].startswith("https://")


def test_compare_the_indian_graduate(cli) -> None:
    r = cli("compare", str(EXAMPLES / "indian-stem-graduate.yaml"), "--on", "2026-03-15", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    by_id = {a["program_id"]: a for a in doc["assessments"]}
    assert by_id["cn-k"]["outcome"] in ("eligible", "unknown")
    assert by_id["cn-k"]["reasons"], "K visa needs its deciding reasons"
    h1b = by_id["us-h1b"]
    assert next(b for b in h1b["benefits"] if b["key"] == "job_offer_required")["value"] is True
    fee = next(f for f in h1b["fees"] if f["id"] == "proclamation")
    assert fee["status"] == "due" and fee["payer"] == "employer" and fee["amount"] == 100000
    assert "100,000" in doc["summary"]["us-h1b"]["Large payments due"]
    table = cli("compare", str(EXAMPLES / "indian-stem-graduate.yaml"), "--on", "2026-03-15")
    assert "USD 100,000 paid by employer" in table.stdout
    assert "Route to PR" in table.stdout and "Open questions" in table.stdout


def test_compare_with_missing_facts_says_unknown_and_names_them(cli) -> None:
    r = cli("compare", str(EXAMPLES / "missing-facts.yaml"), "--on", "2026-03-15", "--json")
    doc = json.loads(r.stdout)
    outcomes = {a["program_id"]: a["outcome"] for a in doc["assessments"]}
    assert outcomes["cn-k"] == "unknown" and outcomes["us-h1b"] == "unknown"
    missing = {m for a in doc["assessments"] for c in a["criteria"] for m in c["missing"]}
    assert {"date_of_birth", "stem_degree_level", "passport_type"} <= missing


def test_deployer_settings_show_as_settings_not_law(cli, tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        "cn-k:\n  max_age: {value: 35, note: agency policy}\n"
        "  min_experience_years: {value: 0, note: agency policy}\n"
        "  well_known_max_rank: {value: 300, note: QS top 300}\n",
        "utf-8",
    )
    r = cli(
        "check",
        str(EXAMPLES / "indian-stem-graduate.yaml"),
        "--program",
        "cn-k",
        "--on",
        "2026-03-15",
        "--json",
        "--settings",
        str(settings),
    )
    assert r.returncode == 0, r.stderr
    [a] = json.loads(r.stdout)
    assert a["outcome"] == "eligible"
    origins = {p["name"]: p["origin"] for p in a["parameters"]}
    assert origins["max_age"] == "deployer"
    assert any("deployer setting" in n for n in a["notes"])
    plain = json.loads(
        cli(
            "check",
            str(EXAMPLES / "indian-stem-graduate.yaml"),
            "--program",
            "cn-k",
            "--on",
            "2026-03-15",
            "--json",
        ).stdout
    )[0]
    assert plain["program_hash"] != a["program_hash"], "settings must change the version hash"


def test_settings_may_not_override_the_law(cli, tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("us-h1b:\n  regular_cap: {value: 1, note: nope}\n", "utf-8")
    r = cli("compare", str(EXAMPLES / "indian-stem-graduate.yaml"), "--settings", str(settings))
    assert r.returncode == 2
    assert "settings.yaml:2: us-h1b.regular_cap is not a deployer-settable parameter" in r.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("date_of_birth: [1999\n", "profile.yaml:2: invalid YAML"),
        ("job_offer:\n  annual_salary: -5\n", "profile.yaml:2: job_offer.annual_salary"),
        ("date_of_birth: not-a-date\n", "profile.yaml:1: date_of_birth"),
        ("nationalities: [india]\n", "profile.yaml:1: nationalities.0"),
        ("favourite_colour: blue\n", "profile.yaml:1: favourite_colour: Extra inputs"),
        ("- just\n- a list\n", "a profile must be a YAML mapping"),
    ],
)
def test_bad_profiles_are_clear_errors(cli, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(content, "utf-8")
    r = cli("check", str(path))
    assert r.returncode == 2
    assert expected in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_negative_salary_names_the_rule(cli, tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text("job_offer:\n  annual_salary: -5\n", "utf-8")
    assert "greater than or equal to 0" in cli("compare", str(path)).stderr


def test_unknown_program_and_bad_date_and_missing_file(cli) -> None:
    example = str(EXAMPLES / "indian-stem-graduate.yaml")
    r = cli("check", example, "--program", "xx-nope")
    assert r.returncode == 2 and "unknown program 'xx-nope'" in r.stderr
    r = cli("check", example, "--on", "2026-13-01")
    assert r.returncode == 2 and "not a date" in r.stderr
    r = cli("check", "no/such/profile.yaml")
    assert r.returncode == 2 and "cannot read file" in r.stderr
    r = cli("programs", "show", "xx-nope")
    assert r.returncode == 2 and "unknown program" in r.stderr


def test_validate_reports_file_and_line(cli, tmp_path: Path) -> None:
    good = program_file("cn-k").read_text("utf-8")
    (tmp_path / "cn-k.yaml").write_text(
        good.replace("stem_degree_level >= bachelor", "stem_degree_levl >= bachelor"), "utf-8"
    )
    r = cli("validate", str(tmp_path))
    assert r.returncode == 1
    assert "cn-k.yaml:" in r.stderr and "unknown name 'stem_degree_levl'" in r.stderr
    ok = cli("validate", str(PROGRAMS))
    assert ok.returncode == 0 and ok.stdout.count("ok  ") >= 4


def test_schema_matches_the_published_file(cli) -> None:
    r = cli("schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    assert schema["title"] == "Program" and "parameters" in schema["properties"]
    published = (ROOT / "schema" / "program.schema.json").read_text("utf-8")
    assert r.stdout == published, "run `make schema` and commit schema/program.schema.json"
    profile = json.loads(cli("schema", "--profile").stdout)
    assert "degrees" in profile["properties"]


def test_facts_schema_matches_the_published_file(cli) -> None:
    r = cli("schema", "--facts")
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    assert doc["version"] == declarations().version
    assert set(doc["properties"]) == set(declarations().facts)
    published = (ROOT / "schema" / "facts.schema.json").read_text("utf-8")
    assert r.stdout == published, "run `make schema` and commit schema/facts.schema.json"
    both = cli("schema", "--facts", "--profile")
    assert both.returncode == 2 and "one of --profile and --facts" in both.stderr


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_assess_batch_round_trip(cli, tmp_path: Path, suffix: str) -> None:
    src = tmp_path / "people.jsonl"
    lines = [
        json.dumps({"nationalities": ["GB"], "passport_type": "ordinary"}),
        json.dumps({"nationalities": ["US"], "passport_type": "ordinary"}),
        json.dumps({}),
    ]
    src.write_text("\n".join(lines) + "\n", "utf-8")
    out = tmp_path / f"out{suffix}"
    r = cli("assess-batch", str(src), "--out", str(out), "--on", "2026-03-01", "--chunk", "2")
    assert r.returncode == 0, r.stderr
    df = {".csv": pl.read_csv, ".parquet": pl.read_parquet, ".jsonl": pl.read_ndjson}[suffix](out)
    assert df["cn-visa-free:outcome"].to_list() == ["eligible", "ineligible", "unknown"]
    assert set(df.columns) >= {"cn-k:outcome", "cn-r:outcome", "us-h1b:outcome"}
    assert "wrote 3 rows" in r.stderr


def test_assess_batch_reads_fact_csv(cli, tmp_path: Path) -> None:
    src = tmp_path / "facts.csv"
    src.write_text("id,nationalities,passport_type\n1,FR;US,ordinary\n2,US,ordinary\n", "utf-8")
    out = tmp_path / "out.parquet"
    r = cli(
        "assess-batch",
        str(src),
        "--out",
        str(out),
        "--on",
        "2026-03-01",
        "--program",
        "cn-visa-free",
    )
    assert r.returncode == 0, r.stderr
    df = pl.read_parquet(out)
    assert df.columns[0] == "id"
    assert df["cn-visa-free:outcome"].to_list() == ["eligible", "ineligible"]


def test_assess_batch_bad_input_is_a_clear_error_and_writes_nothing(cli, tmp_path: Path) -> None:
    src = tmp_path / "people.jsonl"
    src.write_text('{"nationalities": ["GB"]}\n{"job_offer": {"annual_salary": -1}}\n', "utf-8")
    out = tmp_path / "out.parquet"
    r = cli("assess-batch", str(src), "--out", str(out))
    assert r.returncode == 2
    assert "people.jsonl:2: job_offer.annual_salary" in r.stderr
    assert not out.exists()
    bad = tmp_path / "facts.csv"
    bad.write_text("highest_degree_level\nmany\n", "utf-8")
    r = cli("assess-batch", str(bad), "--out", str(out))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "facts.csv:2: column 'highest_degree_level': 'many' is not a whole number" in r.stderr


def test_compare_covers_every_program_and_labels_converted_money(cli) -> None:
    r = cli("compare", str(EXAMPLES / "indian-stem-graduate.yaml"), "--on", "2026-03-15", "--json")
    doc = json.loads(r.stdout)
    listed = json.loads(cli("programs", "list", "--on", "2026-03-15", "--json").stdout)
    assert {a["program_id"] for a in doc["assessments"]} == {p["id"] for p in listed}
    for a in doc["assessments"]:
        assert a["reasons"] or a["notes"], f"{a['program_id']} has no explanation"
    assert doc["approximate_currency"] == "INR"  # the profile's preferred_currency
    large = doc["summary"]["us-h1b"]["Large payments due"]
    assert "\nUSD 100,000 paid by employer\n≈ INR" in large and "approx." in large
    table = cli(
        "compare",
        str(EXAMPLES / "indian-stem-graduate.yaml"),
        "--on",
        "2026-03-15",
        "--currency",
        "EUR",
    )
    assert table.returncode == 0, table.stderr
    assert "approx." in table.stdout and "never used for eligibility" in table.stdout
    bad = cli("compare", str(EXAMPLES / "indian-stem-graduate.yaml"), "--currency", "euros")
    assert bad.returncode == 2


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("programs", "calendar", "--days", "0"), "--days"),
        (("programs", "calendar", "--bogus"), "--bogus"),
        (("check",), "PROFILE.yaml"),
        (
            ("compare", str(EXAMPLES / "indian-stem-graduate.yaml"), "--on", "2026-02-30"),
            "2026-02-30",
        ),
    ],
)
def test_a_usage_error_is_one_line_naming_the_option(
    cli, args: tuple[str, ...], names: str
) -> None:
    r = cli(*args)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert names in lines[0] and lines[0].startswith("talentvisa ")
    assert "Traceback" not in r.stderr and "Usage:" not in r.stderr


def test_help_and_a_bare_command_still_show_the_help(cli) -> None:
    for args in (("--help",), (), ("programs",)):
        r = cli(*args)
        assert r.returncode == 0, r.stderr
        assert "Usage:" in r.stdout
