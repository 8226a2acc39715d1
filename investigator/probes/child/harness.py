"""The child side of the probe protocol: load the adapter, run one measurement, write JSON.

Run by the probe runner as `python harness.py --script NAME --checkout DIR [--adapter FILE]
[--auto JSON] --params JSON --out FILE [--scratch DIR]` in its own process group (DIR: where the
measurement's scratch folder goes; the runner removes it after the job, killed or not). It puts the checkout first on
`sys.path` (the commit's code, not an installed copy), loads the adapter (a file the user writes
once; see docs/probes.md) or functions found without one (`--auto`: name -> "path.py:function",
extracted with the module's imports only, so a script's training code at module level never runs;
or "@module:name", served by a built-in adapter of this folder such as `sb3_adapter`),
calls `measure(ctx)` of the child module NAME, and writes

    {"protocol": 1, "ok": true, "result": {...}, "device": "cpu", "peak_gpu_mem_mb": null, "steps_per_s": null}

atomically to FILE; on an exception `{"protocol": 1, "ok": false, "error": "...", "traceback": "..."}`
and exit 1. Standard library only at import time (torch is imported by the measurement).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

PROTOCOL = 1


class Context:
    """What a measurement gets: the adapter functions, its parameters, the device, a scratch dir."""

    def __init__(self, functions: dict[str, Any], params: dict[str, Any], device: str, checkout: Path, scratch: Path) -> None:
        self.functions = functions
        self.params = params
        self.device = device
        self.checkout = checkout
        self.scratch = scratch
        self.steps_per_s: float | None = None  # a measurement may set it

    def has(self, name: str) -> bool:
        return name in self.functions

    def fn(self, name: str) -> Any:
        if name not in self.functions:
            raise LookupError(f"the adapter does not define {name}()")
        return self.functions[name]


def load_adapter(path: str) -> dict[str, Any]:
    """The adapter file's public callables by name (it is imported as module `investigator_adapter`)."""
    spec = importlib.util.spec_from_file_location("investigator_adapter", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the adapter {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["investigator_adapter"] = module
    spec.loader.exec_module(module)
    return {k: v for k, v in vars(module).items() if callable(v) and not k.startswith("_")}


def extract_function(checkout: Path, where: str) -> Any:
    """`path.py:name` from the checkout, with only its module's imports executed: the function is
    compiled from its own source and the module's top-level import statements (a training script's
    module-level code does not run)."""
    rel, _, name = where.partition(":")
    path = checkout / rel
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    keep: list[ast.stmt] = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    target = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
    if not target:
        raise LookupError(f"{rel} defines no top-level function {name}")
    module = ast.Module(body=[*keep, target[-1]], type_ignores=[])
    namespace: dict[str, Any] = {"__name__": f"investigator_auto_{Path(rel).stem}", "__file__": str(path)}
    exec(compile(module, str(path), "exec"), namespace)  # the project's own function, in the probe's process
    return namespace[name]


def builtin_functions(auto: dict[str, str]) -> dict[str, Any]:
    """The functions `--auto` maps to a built-in adapter of this folder (`"@module:name"`, with the
    module's spec as JSON under the key `"@module"`): e.g. `sb3_adapter` for an SB3-style algorithm
    found without an adapter. Each module's `adapter(spec)` is called once."""
    made: dict[str, dict[str, Any]] = {}
    out: dict[str, Any] = {}
    for name, where in auto.items():
        if name.startswith("@") or not where.startswith("@"):
            continue
        module, _, function = where[1:].partition(":")
        if module not in made:
            made[module] = importlib.import_module(module).adapter(json.loads(auto.get("@" + module, "{}")))
        out[name] = made[module][function]
    return out


def _device() -> str:
    return os.environ.get("INVESTIGATOR_DEVICE", "cpu")


def _gpu_peak_mb() -> float | None:
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    try:
        return float(torch.cuda.max_memory_allocated()) / 2**20
    except Exception:
        return None


def _write(out: Path, payload: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".result-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle, default=_jsonable)
    os.replace(tmp, out)


def _jsonable(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)  # numpy / torch scalars and arrays
    if callable(tolist):
        return tolist()
    return str(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--checkout", required=True)
    ap.add_argument("--adapter", default="")
    ap.add_argument("--auto", default="{}")
    ap.add_argument("--params", default="{}")
    ap.add_argument("--out", required=True)
    ap.add_argument("--scratch", default="")  # the runner's folder for scratch space (it removes it after the job)
    args = ap.parse_args(argv)
    out = Path(args.out)
    checkout = Path(args.checkout).resolve()
    here = str(Path(__file__).resolve().parent)
    sys.path[:0] = [str(checkout), here]
    os.chdir(checkout)
    start = time.perf_counter()
    try:
        auto = json.loads(args.auto)
        functions: dict[str, Any] = builtin_functions(auto)
        for name, where in auto.items():
            if not name.startswith("@") and not where.startswith("@"):
                functions[name] = extract_function(checkout, where)
        if args.adapter:
            adapter = Path(args.adapter)
            functions.update(load_adapter(str(adapter if adapter.is_absolute() else checkout / adapter)))
        measure = importlib.import_module(args.script).measure
        if args.scratch:
            Path(args.scratch).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="probe-scratch-", dir=args.scratch or None) as scratch:
            ctx = Context(functions, json.loads(args.params), _device(), checkout, Path(scratch))
            result = measure(ctx)
        _write(out, {"protocol": PROTOCOL, "ok": True, "result": result, "device": _device(),
                     "wall_s": time.perf_counter() - start, "peak_gpu_mem_mb": _gpu_peak_mb(),
                     "steps_per_s": ctx.steps_per_s})
        return 0
    except BaseException as exc:  # every failure is reported through the protocol
        if isinstance(exc, KeyboardInterrupt):
            raise
        _write(out, {"protocol": PROTOCOL, "ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000],
                     "traceback": traceback.format_exc()[-8000:]})
        return 1


if __name__ == "__main__":
    sys.exit(main())
