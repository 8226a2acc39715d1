"""JSON configuration read by a lenient loader (ujson, json5): trailing commas and comments are configuration,
not parse failures (real shape: an RL library whose `spec/*.json` files, read with `ujson.load`, keep trailing
commas; every range reported dozens of "JSON does not parse" failures and "no longer parses" findings)."""

from __future__ import annotations

import json

from investigator.cli import main
from investigator.config.extractors.structured import json_loads, relaxed_json
from tests.support.gitrepo import commit_files, git

TRAIN = ("import ujson\n\n\ndef read_spec(name):\n    with open(f'spec/{name}.json') as f:\n        return ujson.load(f)\n\n\n"
         "def main():\n    spec = read_spec('dqn_cartpole')\n    print(spec['agent']['algorithm']['gamma'])\n\n\n"
         "if __name__ == '__main__':\n    main()\n")


def spec(gamma: str, trailing: bool = True) -> str:
    comma = "," if trailing else ""
    return ('{\n  "dqn_cartpole": {\n    "agent": {\n      "algorithm": {\n        "name": "DQN",\n'
            f'        "gamma": {gamma}{comma}\n      }}{comma}\n    }}{comma}\n  }}\n}}\n')


def _run(tmp_path, base: dict[str, str], cand: dict[str, str]) -> dict:
    repo = tmp_path / "repo"
    commit_files(repo, base, "base")
    git(repo, "tag", "base")
    commit_files(repo, cand, "cand")
    out = tmp_path / "out"
    main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out), "--quiet", "--format", "json"])
    return json.loads(next(out.glob("*.json")).read_text())


def test_relaxed_json_blanks_only_comments_and_trailing_commas() -> None:
    text = '{"a": [1, 2,], // c\n "b": "x,}//", /* q\n */ "c": {"d": 1,},\n}'
    assert json_loads(text) == {"a": [1, 2], "b": "x,}//", "c": {"d": 1}}
    assert relaxed_json(text).count("\n") == text.count("\n") and len(relaxed_json(text)) == len(text)
    assert relaxed_json('{"a": "1,]"}') == '{"a": "1,]"}'


def test_trailing_commas_are_not_parse_failures_or_findings(tmp_path) -> None:
    base = {"train.py": TRAIN, "spec/dqn_cartpole.json": spec("0.99"), "spec/other.json": spec("0.9", trailing=False)}
    cand = {"spec/dqn_cartpole.json": spec("0.5"), "spec/other.json": spec("0.9")}  # other gains trailing commas
    report = _run(tmp_path, base, cand)
    titles = [f["title"] for f in report["findings"]]
    assert not any("no longer parses" in t for t in titles), titles
    assert not any("does not parse" in f["message"] for f in report["failures"]), report["failures"]
    assert any("gamma" in t and "0.99" in t and "0.5" in t for t in titles), titles


def test_json_broken_at_the_candidate_still_no_longer_parses(tmp_path) -> None:
    base = {"train.py": TRAIN, "spec/dqn_cartpole.json": spec("0.99")}
    report = _run(tmp_path, base, {"spec/dqn_cartpole.json": spec("0.99").replace('"name"', "name")})
    assert any("no longer parses" in f["title"] for f in report["findings"]), report["findings"]


def test_many_files_broken_alike_at_both_commits_are_one_failure(tmp_path) -> None:
    broken = {f"spec/broken_{i}.json": "{name: 'x'}\n" for i in range(6)}
    base = {"train.py": TRAIN, "spec/dqn_cartpole.json": spec("0.99"), **broken}
    report = _run(tmp_path, base, {"spec/dqn_cartpole.json": spec("0.5")})
    config = [f["message"] for f in report["failures"] if f["source"] == "config_forensics"]
    assert len(config) == 1 and "6 files fail alike" in config[0], config
    assert not any("no longer parses" in f["title"] for f in report["findings"])


def test_json_with_surrogate_pair_escapes_reads_like_json_loads() -> None:
    """Real shape (JaxMARL b02b1083..5611552f, `site/search/search_index.json`): valid JSON whose strings escape an
    emoji as a UTF-16 surrogate pair; YAML's composer rejects `\\ud83d`, so the file was a recorded failure."""
    import json

    from investigator.config.extractors.structured import extract_json

    text = '{"title": "Search \\ud83d\\udd0e", "lr": 0.001, "raw": "\\\\ud83d", "lone": "\\ud83d!"}'
    parsed = extract_json("site/search_index.json", text)
    values = {e.key: e.value for e in parsed.entries}
    assert values["title"] == json.loads(text)["title"] == "Search \U0001f50e"
    assert values["lr"] == 0.001 and values["raw"] == "\\ud83d"  # an escaped backslash is no escape
    assert values["lone"] == "\ufffd!"  # a lone surrogate: the replacement character, not a failure
