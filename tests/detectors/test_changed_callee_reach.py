"""A one-sided feature in unchanged code, reached only through another changed callee, is that callee's.

Real shape (RLinf a4b6abe2..8aa19aae, rlinf/workers/rollout/hf/async_huggingface_worker.py:82, precision held-out 18,
used, #8 low, mis-described): `_generate` dropped a staleness wait; its callee `generate_one_epoch` (itself changed)
now calls the scheduler's `recv` directly, so the walk from `_generate` reached `workers = sorted(workers, ...)` of
the unchanged scheduler and filed "Environment/worker count computation changed" on `_generate`. The callee's own
pair still compares its new call; a count the analysed function now reaches itself is still its change.
"""

from __future__ import annotations

from investigator.detectors.base import DetectorContext
from investigator.detectors.rules.env_count import EnvCountDetector
from investigator.detectors.sources import MemoryTree, diff_trees
from tests.detectors.helpers import src

BASE = """
def make_workers(cfg):
    num_workers = cfg.nodes * 8
    return num_workers


def recv(cfg):
    workers = make_workers(cfg)
    return workers


def collect(cfg):
    {collect_body}


def run(cfg):
    {run_extra}
    collect(cfg)
"""


def _hits(collect_b: str, collect_c: str, run_b: str, run_c: str) -> list[tuple[str, str]]:
    """(title, analysed function) for every hit of the env_count detector, pair by pair (the report merges hits at
    one place, which would hide whose they are)."""
    files = [{"m.py": src(BASE.replace("{collect_body}", c).replace("{run_extra}", r))}
             for c, r in ((collect_b, run_b), (collect_c, run_c))]
    b, c = MemoryTree(files[0]), MemoryTree(files[1])
    ctx = DetectorContext.from_trees(b, c, diff_trees(b, c))
    return [(h.title, p.qualname) for p in ctx.pairs.pairs for h in EnvCountDetector().check_pair(p, ctx)]


def test_a_count_reached_through_a_changed_callee_is_not_the_callers_change() -> None:
    hits = _hits("return cfg", "return recv(cfg)", "cfg.seed = 1", "cfg.seed = 2")
    functions = [fn for _, fn in hits]
    assert "collect" in functions, hits
    assert "run" not in functions, hits


def test_a_count_the_changed_function_reaches_itself_is_still_its_change() -> None:
    hits = _hits("return cfg", "return cfg", "cfg.seed = 1", "make_workers(cfg)")
    assert "run" in [fn for _, fn in hits], hits
