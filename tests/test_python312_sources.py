"""Python 3.12 type-parameter syntax (PEP 695) is read (through `py312.python311_source`, lines kept) instead of
being a parse failure.

Real shape (lerobot 59ab2862..e6f95674, precision held-out 17): `type NameOrID = str | int`, `class
Backtrackable[T]:`, `class DataProcessorPipeline[TInput, TOutput](HubMixin):` and `def
deserialize_json_into_object[T: JsonLike](fpath: Path, obj: T) -> T:` made five modules "does not parse" at both
commits: 12 recorded failures, nothing compared in them."""

from __future__ import annotations

import ast
from pathlib import Path

from investigator.py312 import python311_source
from investigator.pyast import parse_python
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

PY312 = """\
from typing import Any

type FeatureDict = dict[str, dict[str, Any]]
type Pair[T] = tuple[T, T]


class Pipeline[TIn, TOut](object):
    def run[T: int, *Ts, **P](self, x: T) -> T:  # a generic method
        return x


def load[T](path, obj: T) -> T:
    type = "json"  # `type` as a plain name stays
    return type
"""


def test_type_parameter_syntax_is_rewritten_on_its_own_lines() -> None:
    out = python311_source(PY312)
    assert out is not None
    assert out.count("\n") == PY312.count("\n")
    tree = ast.parse(out)
    lines = out.splitlines()
    assert lines[2] == "FeatureDict = dict[str, dict[str, Any]]"
    assert lines[3] == "Pair = tuple[T, T]"
    assert lines[6] == "class Pipeline(object):"
    assert lines[7].strip().startswith("def run(self, x: T) -> T:")
    assert lines[12] == '    type = "json"  # `type` as a plain name stays'
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    assert names == {"Pipeline", "run", "load"}


def test_parse_python_reads_a_312_module() -> None:
    tree, error = parse_python(PY312)
    assert error is None and tree is not None


def test_source_without_312_syntax_is_not_rewritten() -> None:
    assert python311_source("x = 1\ntype(x)\ntype = 3\n") is None


def test_other_invalid_source_stays_a_parse_failure() -> None:
    tree, error = parse_python("type Value = int | float\ndef broken(:\n    pass\n")
    assert tree is None and error is not None and "does not parse" in error


def test_a_multiline_type_parameter_list_gives_up() -> None:
    assert python311_source("class C[\n    T,\n](object):\n    pass\n") is None


BASE = """\
import argparse

import torch

type Batch = dict[str, torch.Tensor]


def train_step[T](model: T, batch: Batch, optimizer):
    loss = model(batch).mean()
    loss.backward()
    optimizer.step()
    return loss


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch_size", default={batch}, type=int)
    args = parser.parse_args()
    print(args.batch_size)
"""


def test_a_312_module_is_compared_not_recorded_as_a_failure(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = commit_files(repo, {"train.py": BASE.format(batch="100")}, "base")
    cand = commit_files(repo, {"train.py": BASE.format(batch="256")}, "cand")
    result = analyse(repo, base, cand, tmp_path / "out")
    assert not [f for f in result.failures if "parse" in f.message], result.failures
    assert any("batch_size" in f.title and "100 → 256" in f.title for f in result.findings), \
        [f.title for f in result.findings]
