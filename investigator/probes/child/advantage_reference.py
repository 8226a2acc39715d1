"""Child side of the `advantage_reference` probe: the project's advantage function against the
textbook GAE on random trajectories, and against known wrong variants of it.

Convention (CleanRL): tensors [T, N]; `dones[t] = 1` when obs[t] starts a new episode (the step
before ended); `next_value`/`next_done` [N] are the value and done of the observation after the
last step; the function returns (advantages, returns) with returns = advantages + values. A
function found without an adapter is called by keyword through ALIASES (its own parameter names);
inputs are float32 torch tensors, or numpy arrays when the function rejects tensors, [T, N] or
with a trailing value dimension ([T, N, 1], as some projects store values) when it rejects [T, N]. A function returning only advantages is compared on advantages only.

Standard library and numpy/torch only (the parent's discovery imports ALIASES from here).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

CANONICAL = ("rewards", "values", "dones", "next_value", "next_done", "gamma", "gae_lambda")
ALIASES: dict[str, tuple[str, ...]] = {
    "rewards": ("rewards", "reward", "rews", "rew"),
    "values": ("values", "value", "vals", "value_preds"),
    "dones": ("dones", "done", "terminals", "episode_starts"),
    "next_value": ("next_value", "next_values", "last_value", "last_values", "bootstrap_value", "next_val", "last_val"),
    "next_done": ("next_done", "next_dones", "last_done", "last_dones", "next_terminal", "last_terminal"),
    "gamma": ("gamma", "discount", "discount_factor", "γ"),
    "gae_lambda": ("gae_lambda", "lam", "lmbda", "lambda_", "gae_lam", "tau", "λ", "lambda_coefficient"),
}
PREFIXES = ("mb_", "b_", "batch_", "buf_")  # rollout-buffer prefixes stripped before matching
BIG = 1e30  # stands for a non-finite output (JSON has no infinity)
ATOL = 1e-4  # per element: |project - reference| <= ATOL * (1 + |reference|)
VARIANTS = ("bootstrap_index_shift", "done_mask_shift", "no_done_mask", "trace_not_cut",
            "returns_without_values", "normalised_advantages")


def canonical_name(parameter: str) -> str | None:
    """The canonical argument a parameter name stands for (None: not an advantage argument)."""
    name = parameter.lower()
    for prefix in PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix):]
            break
    return next((canon for canon, names in ALIASES.items() if name in names), None)


def gae(r: Any, v: Any, d: Any, nv: Any, nd: Any, gamma: float, lam: float, variant: str = "reference") -> tuple[Any, Any]:
    """GAE in float64 numpy: the reference (CleanRL's loop) or one of VARIANTS."""
    import numpy as np

    steps = r.shape[0]
    adv = np.zeros_like(r)
    last = np.zeros_like(nv)
    for t in reversed(range(steps)):
        if variant == "done_mask_shift":
            nonterminal = 1.0 - d[t]  # masks with the done of this step, not the next one
        else:
            nonterminal = 1.0 - (nd if t == steps - 1 else d[t + 1])
        if variant == "no_done_mask":
            nonterminal = np.ones_like(nonterminal)
        shifted = t if variant == "bootstrap_index_shift" else t + 1  # the off-by-one bootstraps from v[t]
        next_v = nv if t == steps - 1 else v[shifted]
        delta = r[t] + gamma * next_v * nonterminal - v[t]
        trace = 1.0 if variant == "trace_not_cut" else nonterminal
        adv[t] = last = delta + gamma * lam * trace * last
    returns = adv if variant == "returns_without_values" else adv + v
    if variant == "normalised_advantages":
        adv = (adv - adv.mean()) / (adv.std(ddof=1) + 1e-8)
    return adv, returns


def cases(seed: int) -> list[dict[str, Any]]:
    """Random trajectories with episode ends anywhere, at the first and at the last step."""
    import numpy as np

    rng = np.random.default_rng(seed)
    specs = [((16, 4), 0.99, 0.95), ((5, 3), 0.99, 0.95), ((32, 2), 0.99, 0.95), ((1, 2), 0.99, 0.95),
             ((16, 4), 0.99, 1.0), ((16, 4), 0.99, 0.0), ((12, 3), 0.9, 0.8), ((8, 2), 1.0, 1.0)]
    out = []
    for (steps, envs), gamma, lam in specs:
        dones = (rng.random((steps, envs)) < 0.2).astype(np.float64)
        dones[0, 0] = 1.0  # the first observation starts an episode (the previous rollout ended)
        if envs > 1:
            dones[steps - 1, 1] = 1.0  # an episode ended one step before the last
        next_done = (rng.random(envs) < 0.3).astype(np.float64)
        next_done[-1] = 1.0  # the last step itself ends an episode
        out.append({"name": f"T{steps}xN{envs} gamma={gamma} lambda={lam}", "gamma": gamma, "lam": lam,
                    "rewards": rng.normal(size=(steps, envs)), "values": rng.normal(size=(steps, envs)),
                    "dones": dones, "next_value": rng.normal(size=envs), "next_done": next_done})
    return out


def _call_plan(fn: Callable[..., Any]) -> dict[str, str] | None:
    """Parameter name -> canonical argument when every canonical argument has exactly one
    parameter (keyword call); None: call positionally in the canonical order."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None
    plan = {name: canon for name in params if (canon := canonical_name(name)) is not None}
    if sorted(plan.values()) != sorted(CANONICAL):
        return None
    return plan


def _to_numpy(value: Any) -> Any:
    import numpy as np

    if hasattr(value, "detach"):
        value = value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=np.float64)


def _invoke(fn: Callable[..., Any], case: dict[str, Any], form: tuple[str, bool]) -> tuple[Any, Any]:
    """Call `fn` on one case with inputs as `form` = (torch or numpy, with a trailing value dim)."""
    import numpy as np
    import torch

    kind, trailing = form

    def array(key: str, extra: bool) -> Any:
        a = case[key].astype(np.float32)
        a = a[..., None] if trailing and extra else a
        return torch.as_tensor(a) if kind == "torch" else a

    args = {"rewards": array("rewards", True), "values": array("values", True), "dones": array("dones", False),
            "next_value": array("next_value", True), "next_done": array("next_done", False),
            "gamma": case["gamma"], "gae_lambda": case["lam"]}
    plan = _call_plan(fn)
    with torch.no_grad():
        out = fn(**{p: args[c] for p, c in plan.items()}) if plan else fn(*(args[c] for c in CANONICAL))
    adv, ret = (out[0], out[1]) if isinstance(out, (tuple, list)) and len(out) >= 2 else (out, None)
    shape = case["rewards"].shape
    adv = _to_numpy(adv).reshape(shape)
    return adv, (None if ret is None else _to_numpy(ret).reshape(shape))


FORMS = (("torch", False), ("torch", True), ("numpy", False), ("numpy", True))


def _first_form(fn: Callable[..., Any], case: dict[str, Any]) -> tuple[tuple[str, bool], tuple[Any, Any]]:
    """The first input form the function accepts (torch [T, N] first; the first error if none does)."""
    first: Exception | None = None
    for form in FORMS:
        try:
            return form, _invoke(fn, case, form)
        except Exception as exc:
            first = first or exc
    assert first is not None
    raise first


def _err(got: Any, want: Any) -> float:
    """Largest element error relative to ATOL * (1 + |want|), so <= 1 means "matches"."""
    import numpy as np

    if not np.all(np.isfinite(got)):
        return BIG
    return float(np.max(np.abs(got - want) / (ATOL * (1.0 + np.abs(want)))))


def _abs(got: Any, want: Any) -> float:
    import numpy as np

    return float(np.max(np.abs(got - want))) if np.all(np.isfinite(got)) else BIG


def measure(ctx: Any) -> dict[str, Any]:
    fn = ctx.fn("compute_advantages")
    form: tuple[str, bool] | None = None
    rows, variant_err = [], dict.fromkeys(VARIANTS, 0.0)
    for case in cases(int(ctx.params.get("seed", 0))):
        args = (case["rewards"], case["values"], case["dones"], case["next_value"], case["next_done"], case["gamma"], case["lam"])
        if form is None:
            form, (adv, ret) = _first_form(fn, case)
        else:
            adv, ret = _invoke(fn, case, form)
        ref_adv, ref_ret = gae(*args)
        row = {"case": case["name"], "adv_abs_err": _abs(adv, ref_adv), "adv": [round(float(x), 6) for x in adv.ravel()],
               "adv_err": _err(adv, ref_adv)}
        if ret is not None:
            row.update(ret_abs_err=_abs(ret, ref_ret), ret_err=_err(ret, ref_ret), ret=[round(float(x), 6) for x in ret.ravel()])
        rows.append(row)
        for variant in VARIANTS:
            if ret is None and variant == "returns_without_values":
                variant_err[variant] = BIG  # indistinguishable from the reference on advantages alone
                continue
            v_adv, v_ret = gae(*args, variant=variant)
            e = _err(adv, v_adv) if ret is None else max(_err(adv, v_adv), _err(ret, v_ret))
            variant_err[variant] = max(variant_err[variant], e)
    worst = max(max(r["adv_err"], r.get("ret_err", 0.0)) for r in rows)
    closest = min(VARIANTS, key=lambda v: variant_err[v])
    return {
        "cases": rows,
        "returns_compared": all("ret" in r for r in rows),
        "inputs": form[0] if form else None,
        "value_dim": bool(form and form[1]),
        "max_abs_error": max(max(r["adv_abs_err"], r.get("ret_abs_err", 0.0)) for r in rows),
        "matches": worst <= 1.0,
        "deviating": [r["case"] for r in rows if max(r["adv_err"], r.get("ret_err", 0.0)) > 1.0],
        "variant_err": variant_err,
        "closest_variant": closest if variant_err[closest] <= 1.0 else None,
        "nearest_variant": closest,
    }
