"""A library call's keyword passed a local constant of the training function is a setting; a new function's
parameter default None is no value.

Real shape (precision held-out 19, nano-aha-moment 1085ceaf..6cd0306d nano_r1_script.py:692): `main` holds a block
of hyperparameters as locals (`TOP_P = 1.0`, ...), read by vLLM's `SamplingParams(..., top_p=TOP_P, ...)`; `TOP_P`
went 1.0 -> 0.999 and showed only inside a 17-statement "Behavioural change in the loss path: `main`" (#14). The
rollout sampler's nucleus truncation is an exploration setting of an LLM policy (`top_p`, `top_k`: significant).
The same range added `create_vineppo_training_episodes(..., TOP_P: float = None)` for an algorithm off by default:
"`vineppo_training_episodes.top_p` = null added" must not become a significant seat. Negatives: a name bound twice,
or to a computed value, is no setting."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

SCRIPT = '''\
    import os

    from vllm import LLM, SamplingParams


    def create_episodes(samples, generations{extra}):
        return [(s, g) for s, g in zip(samples, generations)]


    def main():
        NUM_ITERATIONS = 1000
        TEMPERATURE = 1.0
        TOP_P = {top_p}
        TOP_K = -1
        {rebind}
        llm = LLM(model="qwen", gpu_memory_utilization=0.2)
        for it in range(NUM_ITERATIONS):
            outputs = llm.generate(["prompt"], sampling_params=SamplingParams(
                temperature=TEMPERATURE, top_p=TOP_P, top_k=TOP_K, max_tokens=1024))
            episodes = create_episodes(["prompt"], outputs)


    if __name__ == "__main__":
        main()
'''


def _script(top_p: str, rebind: str = "", extra: str = "") -> str:
    return textwrap.dedent(SCRIPT).replace("{top_p}", top_p).replace("{rebind}", rebind).replace("{extra}", extra)


def _run(tmp_path: Path, base: str, cand: str) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {"train.py": base}, "baseline")
    c = commit_files(repo, {"train.py": cand}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def test_a_local_constant_passed_to_the_sampler_is_a_significant_setting(tmp_path: Path) -> None:
    result = _run(tmp_path, _script("1.0"), _script("0.999"))
    hits = [f for f in result.findings if "top_p" in f.title]
    assert hits and "1.0 → 0.999" in hits[0].title, [f.title for f in result.findings]
    assert hits[0].severity.value == "significant"
    assert any(loc.line == 13 and loc.side == "candidate" for loc in hits[0].locations), hits[0].locations


def test_a_name_bound_twice_is_no_setting(tmp_path: Path) -> None:
    rebind = "TOP_P = min(TOP_P, 0.95)"
    result = _run(tmp_path, _script("1.0", rebind), _script("0.999", rebind))
    assert not [f for f in result.findings if "top_p" in f.title], [f.title for f in result.findings]


def test_a_computed_value_is_no_setting(tmp_path: Path) -> None:
    result = _run(tmp_path, _script("float(os.environ.get('TOP_P', '1.0'))"),
                  _script("float(os.environ.get('TOP_P', '0.999'))"))
    assert not [f for f in result.findings if "top_p" in f.title and "1.0" in f.title and "0.999" in f.title]


def test_a_new_parameter_default_none_is_no_significant_setting(tmp_path: Path) -> None:
    result = _run(tmp_path, _script("1.0"), _script("1.0", extra=", TOP_P: float = None, TOP_K: int = None"))
    added = [f for f in result.findings if "create_episodes" in f.title or "episodes.top_" in f.title]
    assert all(f.severity.value == "low" for f in added), [(f.severity.value, f.title) for f in added]


def test_a_new_parameter_default_with_a_value_keeps_its_severity(tmp_path: Path) -> None:
    result = _run(tmp_path, _script("1.0"), _script("1.0", extra=", top_p: float = 0.9"))
    added = [f for f in result.findings if "top_p" in f.title and "added" in f.title]
    assert added and added[0].severity.value == "significant", [(f.severity.value, f.title) for f in result.findings]
