"""The product package holds no test scaffolding: no module imports pytest or the tests, and none is
named like a test, fixture or evaluation-suite module (those live under tests/support/)."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "investigator"
TEST_IMPORTS = ("pytest", "_pytest", "tests", "hypothesis")
# tests, test_x, x_test, conftest, fixtures, evalsuite / eval_suite, synthetic (generated logs)
SCAFFOLD_NAME = re.compile(r"^(tests?|test_.*|.*_test|conftest|.*fixtures?.*|.*eval_?suite.*|synthetic)$")


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def scaffolding_problems(package: Path) -> list[str]:
    """One line per module of `package` that imports test code or is named like test scaffolding."""
    problems = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        if SCAFFOLD_NAME.match(path.stem):
            problems.append(f"{rel}: named like test scaffolding")
        with warnings.catch_warnings():  # a docstring's invalid escape is not this test's concern
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.11 warns so for invalid escapes
            tree = ast.parse(path.read_text(), filename=rel)
        bad = sorted(_imported_roots(tree) & set(TEST_IMPORTS))
        if bad:
            problems.append(f"{rel}: imports {', '.join(bad)}")
    return problems


def test_product_package_has_no_test_scaffolding() -> None:
    assert PACKAGE.is_dir()
    assert scaffolding_problems(PACKAGE) == []


@pytest.mark.parametrize(
    ("name", "source", "problem"),
    [
        ("evalsuite.py", "X = 1\n", "named like test scaffolding"),
        ("fixtures.py", "X = 1\n", "named like test scaffolding"),
        ("synthetic.py", "X = 1\n", "named like test scaffolding"),
        ("test_rules.py", "X = 1\n", "named like test scaffolding"),
        ("tests.py", "X = 1\n", "named like test scaffolding"),
        ("loader.py", "import pytest\n", "imports pytest"),
        ("loader.py", "from tests.support.gitrepo import make_repo\n", "imports tests"),
        ("loader.py", "def f():\n    import tests.support.evalsuite\n", "imports tests"),
    ],
)
def test_scaffolding_is_detected(tmp_path: Path, name: str, source: str, problem: str) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "sub" / name).write_text(source)
    assert scaffolding_problems(package) == [f"pkg/sub/{name}: {problem}"]


def test_product_modules_are_not_flagged(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    # relative imports, strings that mention pytest or tests/, names that merely contain "test"
    (package / "loader.py").write_text("from . import attestation\nSKIP = ('pytest', 'tests/*')\n")
    (package / "attestation.py").write_text("from .latest import X\n")
    (package / "latest.py").write_text("X = 1\n")
    (package / "synthetic_nodes.py").write_text("import ast\n")
    assert scaffolding_problems(package) == []
