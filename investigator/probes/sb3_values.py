"""Constructor arguments of an SB3-style algorithm, read statically as values a probe can rebuild.

Why: without an adapter, the built-in SB3 adapter (`child/sb3_adapter.py`) rebuilds the project's
algorithm in a probe process from what its training script passes: `PPO("MlpPolicy", env,
learning_rate=3e-4)`. Nothing of the script may run there (its module level trains), so each
argument is recorded as a JSON *value spec* the child can evaluate on its own:

- `{"literal": v}`: a Python literal (also `dict(k=literal)`, a name bound once to one);
- `{"import": "module:attr.path"}`: a name imported by the file (`gym.make` -> `gymnasium:make`);
- `{"function": "path.py:name"}`: a top-level function of the file, extracted with its module's
  imports only (the harness's `extract_function`), when its body uses no other module-level name;
- `{"call": spec, "args": [spec], "kwargs": {name: spec}}`: a call of one of those.

Anything else (an attribute of a local object, a `**config` splat, a comprehension) is not
recorded: `resolve` returns None and the caller says which argument was left out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

MAX_DEPTH = 6  # names resolving to names resolving to calls...


def module_of(path: str) -> str:
    """The import name of a checkout file (`algos/ppo.py` -> `algos.ppo`; the checkout is first on sys.path)."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@dataclass
class Resolver:
    """What one file binds at module level: imports, top-level functions, names assigned once."""

    path: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> "module:attr" ("module:" for a module)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    assigned: dict[str, list[ast.expr]] = field(default_factory=dict)  # every assignment to the name, anywhere

    @classmethod
    def of(cls, path: str, tree: ast.Module) -> Resolver:
        r = cls(path, tree)
        package = module_of(path).rpartition(".")[0] if not path.endswith("__init__.py") else module_of(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    r.imports[a.asname or a.name.split(".")[0]] = (a.name if a.asname else a.name.split(".")[0]) + ":"
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".") if package else []
                    up = up[: len(up) - (node.level - 1)] if node.level > 1 else up
                    base = ".".join([*up, *([base] if base else [])])
                for a in node.names:
                    if a.name != "*":
                        r.imports[a.asname or a.name] = f"{base}:{a.name}"
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        r.assigned.setdefault(t.id, []).append(node.value)
        r.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        return r

    def qualified(self, node: ast.expr) -> str | None:
        """`module:attr.path` of a name or attribute chain rooted at an import (None otherwise)."""
        chain: list[str] = []
        while isinstance(node, ast.Attribute):
            chain.insert(0, node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.imports:
            return None
        module, _, attr = self.imports[node.id].partition(":")
        return f"{module}:{'.'.join([a for a in [attr] if a] + chain)}"

    def resolve(self, node: ast.expr, depth: int = 0) -> dict[str, Any] | None:
        """The value spec of an expression (module docstring), or None when it cannot be rebuilt."""
        if depth > MAX_DEPTH:
            return None
        try:
            return {"literal": ast.literal_eval(node)}
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.Name) and node.id in self.functions and not self._free_names(self.functions[node.id]):
            return {"function": f"{self.path}:{node.id}"}
        qualified = self.qualified(node)
        if qualified is not None:
            return {"import": qualified}
        if isinstance(node, ast.Name) and len(self.assigned.get(node.id, [])) == 1:
            return self.resolve(self.assigned[node.id][0], depth + 1)
        return None

    def _call(self, node: ast.Call, depth: int) -> dict[str, Any] | None:
        if isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args and "dict" not in self.assigned:
            values = {k.arg: self.resolve(k.value, depth + 1) for k in node.keywords if k.arg}
            if len(values) == len(node.keywords) and all(v and "literal" in v for v in values.values()):
                return {"literal": {k: v["literal"] for k, v in values.items() if v}}
            return None
        callee = self.resolve(node.func, depth + 1)
        if callee is None or "literal" in callee or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        args = [self.resolve(a, depth + 1) for a in node.args]
        kwargs = {k.arg: self.resolve(k.value, depth + 1) for k in node.keywords if k.arg}
        if any(a is None for a in args) or any(v is None for v in kwargs.values()) or len(kwargs) != len(node.keywords):
            return None
        return {"call": callee, "args": args, "kwargs": kwargs}

    def _free_names(self, fn: ast.FunctionDef) -> str | None:
        from investigator.probes.discovery import free_names_problem

        return free_names_problem(fn, set(self.imports))


def describe(spec: dict[str, Any] | None) -> str:
    """A short human reading of a value spec (for the report's notes)."""
    if spec is None:
        return "?"
    if "literal" in spec:
        return repr(spec["literal"])
    if "import" in spec:
        return str(spec["import"]).replace(":", ".").strip(".")
    if "function" in spec:
        return str(spec["function"])
    args = [describe(a) for a in spec["args"]] + [f"{k}={describe(v)}" for k, v in spec["kwargs"].items()]
    return f"{describe(spec['call'])}({', '.join(args)})"
