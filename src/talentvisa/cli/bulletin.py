"""`talentvisa lottery publish | draw-bulletin | prove` and the public-file verify.

The agency publishes a bulletin from its full registration file, draws from the bulletin once
the named beacon round is out, and anyone re-checks the draw or one proof from public files.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from talentvisa.lottery import beacon as bc
from talentvisa.lottery.bulletin import (
    BulletinError,
    build,
    check_proof,
    draw,
    manifest,
    parse,
    parse_time,
    read_proof,
    verify,
)
from talentvisa.lottery.registrations import RegistrationError, load
from talentvisa.lottery.rules import SeasonError, parse_season, rule_for
from talentvisa.lottery.run import RoundSpec, commitment

out = Console()
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise fail(f"{option}: cannot read {path}: {exc.strerror}") from None


def _json(path: Path, option: str) -> Any:
    try:
        return json.loads(_read(path, option))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(f"{option}: {path} is not JSON: {exc}") from None


def read_seed(path: Path) -> bytes:
    text = _read(path, "--seed-file").decode("utf-8", "replace").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise fail(f"--seed-file: {path} must hold the seed as hex") from None
    if len(secret) < 16:
        raise fail("--seed-file: the seed must be at least 16 bytes (32 hex digits)")
    return secret


def publish_cmd(
    registrations: Annotated[Path, typer.Argument(metavar="REGISTRATIONS.csv")],
    season: Annotated[str, typer.Option(help="Cap season, e.g. FY2027.")],
    seed_file: Annotated[Path, typer.Option("--seed-file", help="The committed secret.")],
    beacon_round: Annotated[
        int, typer.Option("--beacon-round", min=1, help="The beacon round named for the season.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the bulletin files.")],
    beacon_chain: Annotated[str, typer.Option("--beacon-chain")] = "quicknet",
    closed_at: Annotated[
        str | None, typer.Option("--closed-at", help="Close time, ISO 8601 (default: now).")
    ] = None,
) -> None:
    """At the close: the public bulletin, its root, every registration's proof, the private map."""
    try:
        year = parse_season(season)
        rule_for(year)
        chain = bc.chain(beacon_chain)
        close = parse_time(closed_at, "--closed-at") if closed_at else datetime.now(UTC)
        regs = load(registrations)
        bulletin, mapping = build(regs, year)
        public = manifest(
            bulletin, year, commitment(read_seed(seed_file)), chain, beacon_round, close
        )
    except (SeasonError, bc.BeaconError, BulletinError, RegistrationError) as exc:
        raise fail(str(exc)) from None
    try:
        out_dir.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise fail(f"--out: cannot create {out_dir}: {exc.strerror}") from None
    (out_dir / "bulletin.csv").write_bytes(bulletin.to_bytes())
    (out_dir / "bulletin.json").write_text(json.dumps(public, indent=2) + "\n", "utf-8")
    with (out_dir / "proofs.jsonl").open("w", encoding="utf-8") as fh:
        for proof in bulletin.proofs():
            fh.write(json.dumps(proof, separators=(",", ":")) + "\n")
    private = out_dir / "pseudonyms.private.csv"
    mapping.write_csv(private, line_terminator="\n")
    private.chmod(0o600)
    out.print(
        f"bulletin of {public['rows']:,} units covering {public['registrations']:,} registrations"
        f"\nroot {public['root']}\nbeacon {chain.name} round {beacon_round} "
        f"(published {bc.Chain.round_time(chain, beacon_round):%Y-%m-%dT%H:%M:%SZ})\n"
        f"written to {out_dir}: bulletin.csv, bulletin.json, proofs.jsonl (public); "
        f"pseudonyms.private.csv (keep private)"
    )


def draw_bulletin_cmd(
    bulletin_path: Annotated[Path, typer.Option("--bulletin", help="bulletin.csv")],
    manifest_path: Annotated[Path, typer.Option("--manifest", help="bulletin.json")],
    seed_file: Annotated[Path, typer.Option("--seed-file")],
    beacon_path: Annotated[Path, typer.Option("--beacon", help="The round's drand JSON.")],
    output: Annotated[Path, typer.Option("--out", help="Selected registrations (CSV).")],
    regular_target: Annotated[int, typer.Option("--regular-target", min=0)],
    advanced_target: Annotated[int, typer.Option("--advanced-target", min=0)],
    reveal_path: Annotated[Path | None, typer.Option("--reveal")] = None,
) -> None:
    """Draw from the published bulletin with the beacon-mixed seed, and write the reveal."""
    try:
        bulletin = parse(_read(bulletin_path, "--bulletin"), str(bulletin_path))
        value = bc.BeaconValue.from_json(_json(beacon_path, "--beacon"))
        specs = [RoundSpec("regular", regular_target), RoundSpec("advanced", advanced_target)]
        run, reveal = draw(
            bulletin, _json(manifest_path, "--manifest"), read_seed(seed_file), value, specs
        )
    except (BulletinError, bc.BeaconError) as exc:
        raise fail(str(exc)) from None
    except (KeyError, TypeError) as exc:
        raise fail(f"--manifest: {manifest_path} is not a bulletin manifest ({exc!r})") from None
    output.write_bytes(run.selected_csv())
    target = reveal_path or output.with_name(output.stem + ".reveal.json")
    target.write_text(json.dumps(reveal, indent=2) + "\n", "utf-8")
    for r in run.rounds:
        out.print(f"round {r['round']} ({r['cap']}): {r['selected']:,} of {r['pool']:,} units")
    out.print(
        f"anyone can check it: talentvisa lottery verify --bulletin {bulletin_path} "
        f"--reveal {target} --selected {output}"
    )


def verify_public(
    bulletin_path: Path,
    reveal_path: Path,
    selected: Path,
    published: str | None,
    root: str | None,
    beacon_round: int | None,
) -> None:
    data = _read(bulletin_path, "--bulletin")
    try:
        parse(data, str(bulletin_path))
    except BulletinError as exc:
        raise fail(str(exc)) from None
    reveal = _json(reveal_path, "--reveal")
    if not isinstance(reveal, dict):
        raise fail(f"--reveal: {reveal_path} is not a reveal object")
    problems = verify(
        data,
        reveal,
        _read(selected, "--selected"),
        published,
        root,
        beacon_round,
    )
    if not problems:
        out.print(
            f"[green]verified[/green]: {reveal['bulletin']['season']} selection reproduced "
            "exactly from the public bulletin, root, commitment and beacon"
        )
        return
    for problem in problems:
        err.print(f"[red]mismatch:[/red] {problem}", highlight=False)
    raise typer.Exit(1)


def prove_cmd(
    bulletin_path: Annotated[Path, typer.Option("--bulletin", help="bulletin.csv")],
    registration: Annotated[str, typer.Option("--registration", help="The registration id.")],
    proof_path: Annotated[Path, typer.Option("--proof", help="proof.json (or proofs.jsonl)")],
) -> None:
    """Check one registration's inclusion proof against the published bulletin."""
    try:
        bulletin = parse(_read(bulletin_path, "--bulletin"), str(bulletin_path))
        proof = read_proof(_read(proof_path, "--proof"), registration, str(proof_path))
    except BulletinError as exc:
        raise fail(str(exc)) from None
    problems = check_proof(bulletin, registration, proof)
    if problems:
        for problem in problems:
            err.print(f"[red]mismatch:[/red] {problem}", highlight=False)
        raise typer.Exit(1)
    unit, entries, advanced, _ = str(proof["row"]).split(",", 3)
    out.print(
        f"[green]included[/green]: registration {registration} is in unit {unit} with "
        f"{entries} entr{'y' if entries == '1' else 'ies'}, advanced degree {advanced}, "
        f"under root {bulletin.root}"
    )


def register(app: typer.Typer) -> None:
    app.command("publish")(publish_cmd)
    app.command("draw-bulletin")(draw_bulletin_cmd)
    app.command("prove")(prove_cmd)
