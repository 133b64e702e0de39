"""The small version of bench/path.py: its targets hold on one run."""

from __future__ import annotations

from bench.path import main


def test_path_and_timeline_stay_within_their_targets(capsys) -> None:
    assert main(["--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "path:" in out and "timeline:" in out and "FAIL" not in out
