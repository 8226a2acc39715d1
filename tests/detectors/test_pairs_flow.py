"""The matched-function-pairs layer and the inlined walk."""

from __future__ import annotations

from investigator.detectors.base import DetectorContext
from investigator.detectors.patterns import calls, canon
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.pyast import last_name
from tests.detectors.helpers import run_on, src

HELPER = """
def scale(x, factor):
    y = x * factor
    z = y + 1
    w = z * z
    return w - y
"""


def _ctx(base: dict[str, str], cand: dict[str, str]) -> DetectorContext:
    b = MemoryTree({k: src(v) for k, v in base.items()})
    c = MemoryTree({k: src(v) for k, v in cand.items()})
    return DetectorContext.from_trees(b, c, diff_trees(b, c))


def test_function_moved_between_files_is_matched_and_unchanged() -> None:
    ctx = _ctx({"a.py": HELPER + "\n\ndef other():\n    return 1\n"},
               {"a.py": "def other():\n    return 1\n", "b/c.py": HELPER})
    pair = next(p for p in ctx.pairs.pairs if p.qualname == "scale")
    assert pair.match == "moved" and pair.base.path == "a.py" and pair.cand.path == "b/c.py"
    assert not pair.changed


def test_renamed_function_is_matched_by_body_similarity() -> None:
    ctx = _ctx({"a.py": HELPER}, {"a.py": HELPER.replace("def scale(", "def rescale(")})
    pair = next(p for p in ctx.pairs.pairs if p.base is not None and p.base.name == "scale")
    assert pair.match == "renamed" and pair.cand.name == "rescale" and pair.similarity >= 0.8


def test_dissimilar_functions_are_not_matched() -> None:
    ctx = _ctx({"a.py": HELPER}, {"a.py": "def unrelated(a):\n    return [a, a]\n"})
    assert {p.match for p in ctx.pairs.pairs} == {"deleted", "added"}


def test_reformatting_and_docstrings_do_not_change_a_pair() -> None:
    reformatted = '''
    def scale(x, factor):
        """Scale and shift."""
        y = (x * factor)
        z = y + 1
        w = (z
             * z)
        return w - y
    '''
    ctx = _ctx({"a.py": HELPER}, {"a.py": reformatted})
    assert not ctx.pairs.changed_pairs()


def test_default_argument_change_is_a_change() -> None:
    ctx = _ctx({"a.py": HELPER}, {"a.py": HELPER.replace("def scale(x, factor):", "def scale(x, factor=2):")})
    assert ctx.pairs.changed_pairs()


def test_file_that_does_not_parse_is_recorded_and_the_rest_goes_on() -> None:
    base = {"good.py": "import torch.nn as nn\n\ndef step(m, opt, loss):\n    loss.backward()\n"
                       "    nn.utils.clip_grad_norm_(m.parameters(), 0.5)\n    opt.step()\n",
            "bad.py": "def f():\n    return 1\n"}
    cand = {"good.py": "import torch.nn as nn\n\ndef step(m, opt, loss):\n    loss.backward()\n    opt.step()\n",
            "bad.py": "def f(:\n    return 1\n"}
    result = run_on(base, cand)
    assert any(f.path == "bad.py" and "does not parse" in f.message for f in result.failures)
    assert any(f.source.endswith("grad_clip") for f in result.findings)


def test_type_stub_that_does_not_parse_is_no_failure() -> None:
    """mjlab's vendored `typings/mujoco/_specs.pyi` (a default argument before a plain one): a stub never runs."""
    stub = "class MjSpec:\n    def add(self, name: str = ..., kind: int) -> None: ...\n"
    base = {"good.py": "import torch.nn as nn\nfrom typings.spec import MjSpec\n\ndef step(m, opt, loss):\n"
                       "    spec = MjSpec()\n    spec.add('a', 1)\n    loss.backward()\n"
                       "    nn.utils.clip_grad_norm_(m.parameters(), 0.5)\n    opt.step()\n",
            "typings/spec.pyi": stub}
    cand = dict(base, **{"good.py": base["good.py"].replace("    nn.utils.clip_grad_norm_(m.parameters(), 0.5)\n", "")})
    result = run_on(base, cand)
    assert not any(f.path.endswith(".pyi") for f in result.failures), result.failures
    assert any(f.source.endswith("grad_clip") for f in result.findings)


def test_walk_inlines_helpers_and_binds_parameters() -> None:
    base = {"t.py": """
    import torch.nn as nn


    def train(agent, opt, args):
        for batch in range(3):
            loss = agent(batch)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
            opt.step()
    """}
    cand = {"t.py": """
    import torch.nn as nn


    def apply(opt, loss, params, limit):
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, limit)
        opt.step()


    def train(agent, opt, args):
        for batch in range(3):
            loss = agent(batch)
            apply(opt, loss, agent.parameters(), args.max_grad_norm)
    """}
    ctx = _ctx(base, cand)
    pair = next(p for p in ctx.pairs.pairs if p.qualname == "train")
    clips = {}
    for side, fn in (("b", pair.base), ("c", pair.cand)):
        found = [(s, c) for s, c, n in calls(ctx.sites(fn)) if last_name(n) == "clip_grad_norm_"]
        assert len(found) == 1
        site, call = found[0]
        assert site.loop_depth == 1  # the caller's loop is carried into the helper
        clips[side] = canon(call, site)
    assert clips["b"] == clips["c"]
    assert not run_on(base, cand).findings  # extracted helper: behaviour preserved


def test_return_values_bind_to_the_callers_targets() -> None:
    base = {"g.py": """
    def gae(values, dones, t):
        mask = 1.0 - dones[t + 1]
        nxt = values[t + 1]
        return mask, nxt
    """}
    cand = {"g.py": """
    def helper(values, dones, t):
        return 1.0 - dones[t + 1], values[t + 1]


    def gae(values, dones, t):
        mask, nxt = helper(values, dones, t)
        return mask, nxt
    """}
    ctx = _ctx(base, cand)
    pair = next(p for p in ctx.pairs.pairs if p.qualname == "gae")
    import ast

    bound = [s for s in ctx.sites(pair.cand) if isinstance(s.node, ast.Assign) and s.depth == 1]
    assert [ast.unparse(s.node) for s in bound] == ["mask = 1.0 - dones[t + 1]", "nxt = values[t + 1]"]


def test_bug_in_a_moved_and_renamed_function_is_located_in_both_files() -> None:
    gae = """
    def compute_gae(rewards, values, gamma):
        adv = [0.0] * len(rewards)
        for t in reversed(range(len(rewards) - 1)):
            adv[t] = rewards[t] + gamma * values[t + 1] - values[t]
        return adv
    """
    main = "from gae import compute_gae\ncompute_gae([], [], 0.9)\n"
    moved = gae.replace("compute_gae", "estimate").replace("values[t + 1]", "values[t]")
    result = run_on({"gae.py": gae, "main.py": main},
                    {"algo/adv.py": moved, "main.py": main.replace("from gae import compute_gae", "from algo.adv import estimate")
                     .replace("compute_gae(", "estimate(")})
    finding = next(f for f in result.findings if f.source.endswith("gae_index"))
    assert finding.location_at("baseline").path == "gae.py"
    assert finding.location_at("candidate").path == "algo/adv.py"
    assert finding.evidence[0].details["match"] == "renamed"
    assert "-        adv[t] = rewards[t] + gamma * values[t + 1] - values[t]" in finding.evidence[0].hunk
    assert "compute_gae" not in finding.patch  # the restored function keeps the candidate's name
    assert "+        adv[t] = rewards[t] + gamma * values[t + 1] - values[t]" in finding.patch
