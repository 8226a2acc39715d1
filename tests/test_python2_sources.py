"""Python 2 modules are read (through `py2.python3_source`, lines kept) instead of being parse failures.

Real shape (TD3 c717e75c..34770ccd, precision held-out 8): the baseline `main.py` is Python 2
(`print "..."`); the candidate retuned its argparse defaults (`batch_size` 100 -> 256,
`start_timesteps` 1e4 -> 25e3) and there was no finding at all, only three recorded parse failures."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from investigator.py2 import python3_source
from investigator.pyast import parse_python, parse_tree
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

PY2 = """\
import sys
def evaluate(policy, episodes=10):
\tavg_reward = 0.
\tfor _ in xrange(episodes):
\t\tavg_reward += policy()
\tprint "---------------------------------------"
\tprint "Evaluation over %d episodes: %f" % (episodes, avg_reward)
\tprint
\tprint >>sys.stderr, "done", episodes  # to the log
\tprint ("Total: %d") % (episodes)
\ttry:
\t\tpass
\texcept ValueError, e:
\t\traise ValueError, "bad"
\tif episodes <> 1: print `episodes`
\treturn avg_reward + 0777 + 10L
"""


def test_python2_statements_are_rewritten_on_their_own_lines() -> None:
    out = python3_source(PY2)
    assert out is not None
    tree = ast.parse(out)
    assert out.count("\n") == PY2.count("\n")
    lines = out.split("\n")
    assert lines[5] == '\tprint("---------------------------------------")'
    assert lines[7] == "\tprint()"
    assert lines[8] == '\tprint( "done", episodes, file=sys . stderr)  # to the log'
    assert lines[9] == '\tprint(("Total: %d") % (episodes))'
    assert lines[12] == "\texcept ValueError as e:"
    assert "repr(episodes)" in lines[14] and "!=" in lines[14]
    assert lines[15] == "\treturn avg_reward + 0o777 + 10"
    fn = tree.body[1]
    assert isinstance(fn, ast.FunctionDef) and fn.body[-1].lineno == 16


def test_parse_tree_falls_back_and_keeps_line_numbers() -> None:
    tree = parse_tree(PY2)
    returns = [n for n in ast.walk(tree) if isinstance(n, ast.Return)]
    assert returns[0].lineno == 16
    assert parse_python(PY2)[1] is None


def test_python3_code_is_parsed_as_is_and_snippets_can_refuse_the_fallback() -> None:
    assert python3_source("x = 1\n") is None
    with pytest.raises(SyntaxError):
        parse_tree('print "debug"\n', python2=False)  # a comment is code only if Python 3 reads it
    with pytest.raises(SyntaxError):
        parse_tree('print "x"', mode="eval")


def test_a_source_the_rewrite_cannot_read_keeps_its_original_error() -> None:
    source = 'print "x"\ndef f((a, b)):\n    return a\n'  # tuple parameters: not rewritten
    tree, error = parse_python(source)
    assert tree is None and error is not None and "print" in error and "line 1" in error
    assert parse_python("def f(:\n    pass\n")[0] is None
    assert parse_python('print "unterminated\n')[0] is None


def test_mixed_tab_and_space_indentation_reads_as_python2_did() -> None:
    source = "def f():\n        x = 1\n\treturn x\n"
    assert parse_tree(source).body[0].body[1].lineno == 3  # type: ignore[attr-defined]


MAIN = """\
import argparse
import numpy as np


def evaluate_policy(policy, eval_episodes=10):
\tavg_reward = 0.
\tfor _ in range(eval_episodes):
\t\tavg_reward += policy.run()
\tavg_reward /= eval_episodes
{report}
\treturn avg_reward


if __name__ == "__main__":
\tparser = argparse.ArgumentParser()
\tparser.add_argument("--seed", default=0, type=int)
\tparser.add_argument("--start_timesteps", default={start}, type=int)
\tparser.add_argument("--batch_size", default={batch}, type=int)
\tparser.add_argument("--discount", default=0.99, type=float)
\targs = parser.parse_args()
{settings}
\tnp.random.seed(args.seed)
\tprint(args.batch_size, args.start_timesteps, args.discount)
"""
PY2_REPORT = '\tprint "Evaluation over %d episodes: %f" % (eval_episodes, avg_reward)'
PY3_REPORT = '\tprint(f"Evaluation over {eval_episodes} episodes: {avg_reward:.3f}")'


def _main(report: str, settings: str, start: str, batch: str) -> str:
    return MAIN.replace("{report}", report).replace("{settings}", settings).replace("{start}", start) \
        .replace("{batch}", batch)


def _run(tmp_path: Path, baseline_main: str) -> list[str]:
    repo = tmp_path / "repo"
    b = commit_files(repo, {"main.py": baseline_main}, "baseline (Python 2)")
    c = commit_files(repo, {"main.py": _main(PY3_REPORT, '\tprint("Settings")', "25e3", "256")},
                     "Python 3 + hyper-parameters")
    result = analyse(repo, b, c, tmp_path / "out")
    return [f.title for f in result.findings] + [f"FAILURE {f.message}" for f in result.failures]


def test_a_python2_baseline_entry_is_compared_with_its_python3_retune(tmp_path: Path) -> None:
    titles = _run(tmp_path, _main(PY2_REPORT, '\tprint "Settings"', "1e4", "100"))
    assert any("batch_size" in t and "100 → 256" in t for t in titles), titles
    assert not any(t.startswith("FAILURE") for t in titles), titles


def test_a_baseline_the_fallback_cannot_read_stays_a_recorded_failure(tmp_path: Path) -> None:
    broken = _main(PY2_REPORT, '\tprint "Settings"\n\tdef unpack((a, b)):\n\t\treturn a', "1e4", "100")
    titles = _run(tmp_path, textwrap.dedent(broken))
    assert not any("batch_size" in t for t in titles), titles
    assert any(t.startswith("FAILURE") and "does not parse" in t for t in titles), titles


PY36_ASYNC = """\
import torch
def calc_loss(batch, net, cuda=False):
    states_v = torch.from_numpy(batch)
    if cuda:
        states_v = states_v.cuda(async=True)
        other = states_v.to("cuda", non_blocking=True, async = False)
    return net(states_v)
"""


def test_async_keyword_arguments_of_python36_torch_code_are_read() -> None:
    """Real shape (Shmuma/ptan 66f55d0, samples/quantile_regression/qr_atari.py:115, held-out 9
    `ptan-qr-done-mask-copy`): `states_v.cuda(async=True)` (PyTorch 0.3 on Python 3.6) made the module a parse
    failure at both commits, so the re-applied bug in `calc_loss_qr` had no finding at all."""
    with pytest.raises(SyntaxError):
        ast.parse(PY36_ASYNC)
    out = python3_source(PY36_ASYNC)
    assert out is not None and out.count("\n") == PY36_ASYNC.count("\n")
    assert "states_v.cuda(non_blocking=True)" in out and "non_blocking = False" in out
    tree = parse_tree(PY36_ASYNC)
    assert isinstance(tree.body[1], ast.FunctionDef) and tree.body[1].body[-1].lineno == 7


def test_async_as_a_name_elsewhere_stays_a_parse_failure() -> None:
    """Only a keyword argument is renamed: `async` read as a variable is not rewritten, and native
    coroutines (`async def`, `async with`) parse without the fallback."""
    with pytest.raises(SyntaxError):
        parse_tree("def f(async=False):\n    return async\n")
    tree = parse_tree("async def f(x):\n    async with x as y:\n        return await y\n")
    assert isinstance(tree.body[0], ast.AsyncFunctionDef)
