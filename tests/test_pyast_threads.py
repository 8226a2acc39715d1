"""Parsing is serialised across threads (CPython 3.11 AST conversion is not thread-safe, gh-106905)."""

from __future__ import annotations

import ast
import threading

from investigator import pyast

SOURCE = "def f(a):\n    return [a + i for i in range(3) if i]\n\nx = " + "[" * 50 + "1" + "]" * 50 + "\n"


def test_parse_tree_is_ast_parse():
    assert ast.dump(pyast.parse_tree(SOURCE)) == ast.dump(ast.parse(SOURCE))
    assert pyast.parse_python("def (:\n")[0] is None


def test_parse_waits_while_another_thread_converts_an_ast():
    done = threading.Event()

    def parse() -> None:
        pyast.parse_tree(SOURCE)
        done.set()

    with pyast._AST_LOCK:  # another thread is inside ast.parse / compile(tree)
        worker = threading.Thread(target=parse)
        worker.start()
        assert not done.wait(0.2)
    assert done.wait(5)
    worker.join()


def test_many_threads_parse_and_compile_the_same_trees():
    dumps: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                tree = pyast.parse_tree(SOURCE)
                pyast.compile_tree(tree)
                dumps.append(ast.dump(tree))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(dumps)) == 1 and len(dumps) == 80


def test_nops_are_dropped_only_at_instruction_boundaries():
    nop = pyast._NOP
    assert pyast._without_nops(bytes([nop, 0, 100, 1])) == bytes([100, 1])
    assert pyast._without_nops(bytes([100, nop, 0, 0])) == bytes([100, nop, 0, 0])  # NOP's code as an argument
    code = bytes([100, 1, 83, 0])
    assert pyast._without_nops(code) is code  # nothing to drop: no copy


def test_layout_only_change_keeps_the_fingerprint_and_a_value_change_does_not():
    one = "x = (1 +\n     2)\nif x:\n    pass\n"
    same = "x = (1 + 2)\nif x:\n\n    pass\n"
    other = "x = (1 + 3)\nif x:\n    pass\n"
    def fingerprint(source: str) -> tuple:
        code = pyast.compile_source(source)
        assert code is not None
        return pyast.code_fingerprint(code)

    assert fingerprint(one) == fingerprint(same)
    assert fingerprint(one) != fingerprint(other)
