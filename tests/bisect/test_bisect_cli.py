"""`investigate bisect` as a user runs it: the interface, the JSON fields, and bad input as one line
with exit 2 (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from investigator.cli import main
from tests.support.bisect_repo import COMMAND, Planted, linear_range


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return linear_range(tmp_path_factory.mktemp("cli") / "repo", 5, culprit=3, noise=3.0)


def _argv(planted: Planted, out: Path, *extra: str, good: str | None = None, bad: str | None = None,
          command: str = COMMAND) -> list[str]:
    return ["bisect", "--repo", str(planted.repo), "--good", good or planted.shas[0], "--bad", bad or planted.shas[-1],
            "--probe-command", command, "--primary-metric", "charts/episodic_return", "--seeds", "3",
            "--device", "cpu", "--probe-cache", str(out / "cache"), "--output", str(out), *extra]


def test_json_report_has_first_bad_tested_and_runs(planted: Planted, tmp_path: Path, capsys) -> None:
    code = main(_argv(planted, tmp_path, "--format", "json", "--format", "md"))
    out = capsys.readouterr()
    assert code == 0, out.err
    path = Path(next(line.split(": ", 1)[1] for line in out.out.splitlines() if line.startswith("json report: ")))
    doc = json.loads(path.read_text())
    b = doc["bisection"]
    assert b["status"] == "found" and b["first_bad"] == planted.culprit and len(b["first_bad"]) == 40
    assert b["first_bad_commit"]["subject"] == "lower the reward scale"
    assert isinstance(b["runs"], int) and b["runs"] == sum(t["seeds"] for t in b["tested"])
    for t in b["tested"]:
        assert len(t["sha"]) == 40 and t["seeds"] >= 3 and t["verdict"] in ("good", "bad")
        assert t["summary"]["iqm"] is not None and t["summary"]["ci_low"] <= t["summary"]["iqm"] <= t["summary"]["ci_high"]
    assert doc["request"]["probe_command"] == COMMAND and doc["artifacts"][0].endswith("bisection.png")
    assert f"First bad commit: `{planted.culprit[:7]}` lower the reward scale" in out.out
    assert (tmp_path / "latest-bisect.json").resolve() == path.resolve()


@pytest.mark.parametrize(("kind", "needle"), [
    ("unknown ref", "unknown good ref: 'no-such-ref'"),
    ("not an ancestor", "is not an ancestor of --bad"),
    ("same commit", "the same commit"),
    ("no logdir", "no {logdir} placeholder"),
    ("unknown placeholder", "unknown placeholder(s) {gpu}"),
])
def test_bad_input_is_one_line_and_exit_2(planted: Planted, tmp_path: Path, capsys, kind: str, needle: str) -> None:
    good, bad, command = planted.shas[0], planted.shas[-1], COMMAND
    if kind == "unknown ref":
        good = "no-such-ref"
    elif kind == "not an ancestor":
        good, bad = bad, good
    elif kind == "same commit":
        bad = good
    elif kind == "no logdir":
        command = COMMAND.replace("--logdir {logdir}", "")
    else:
        command = COMMAND + " --gpu {gpu}"
    code = main(_argv(planted, tmp_path, good=good, bad=bad, command=command))
    err = capsys.readouterr().err
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert not list(tmp_path.glob("bisect-*"))  # refused before anything ran


def test_no_metric_at_an_end_is_one_line_exit_2_with_the_report_kept(planted: Planted, tmp_path: Path, capsys) -> None:
    code = main(_argv(planted, tmp_path, "--format", "json", "--primary-metric", "eval/success"))  # the last one wins
    out = capsys.readouterr()
    assert code == 2 and "Traceback" not in out.err
    line = out.err.strip()
    assert line.startswith("investigate: error: no metric at the good end") and "eval/success" in line, line
    doc = json.loads(Path(out.out.split("json report: ")[1].strip()).read_text())
    assert doc["bisection"]["status"] == "failed" and doc["bisection"]["first_bad"] is None


def test_ctrl_c_keeps_a_partial_report_of_what_was_measured(planted: Planted, tmp_path: Path, capsys,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from investigator.bisect.measure import ProbeMeasurer

    real, calls = ProbeMeasurer.measure, []

    def stop_in_round_2(self, requests, deadline):  # type: ignore[no-untyped-def]
        calls.append(requests)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, requests, deadline)

    monkeypatch.setattr(ProbeMeasurer, "measure", stop_in_round_2)
    code = main(_argv(planted, tmp_path, "--format", "json"))
    out = capsys.readouterr()
    assert code == 130 and "interrupted by SIGINT; partial bisection report:" in out.err and "Traceback" not in out.err
    doc = json.loads(Path(out.out.split("json report (partial): ")[1].strip()).read_text())
    b = doc["bisection"]
    assert b["first_bad"] is None and b["runs"] == 6 and {t["position"] for t in b["tested"]} == {0, 5}
    assert any("stopped before the end (KeyboardInterrupt)" in n for n in b["notes"])
