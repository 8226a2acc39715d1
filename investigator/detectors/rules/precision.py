"""Autocast / dtype / mixed-precision changes."""

from __future__ import annotations

import ast
import re

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import calls, canon
from investigator.detectors.upcast import normalised_upcasts
from investigator.models import Severity
from investigator.pyast import dotted, last_name, unparse

LOW_PRECISION = {"float16", "half", "bfloat16", "float8_e4m3fn", "float8_e5m2"}
CASTS = {"half", "bfloat16", "double", "float64"}
CONTROLS = {"autocast", "GradScaler", "set_default_dtype", "set_float32_matmul_precision"}
DTYPE_ATTRS = LOW_PRECISION | {"float64", "double"}


class PrecisionDetector(FeatureDetector):
    meta = DetectorMeta(
        id="precision",
        title="Numeric precision (autocast, dtype)",
        subsystem="device",
        severity=Severity.significant,
        rationale=(
            "Half precision and autocast change the numerics of losses, advantages and normalisation "
            "statistics; without a grad scaler small gradients underflow to zero in float16."
        ),
        fix="Restore the baseline precision (remove the autocast/dtype change) and compare learning curves.",
        hypotheses=["device.precision_changed"],
        confidence=0.75,
        keywords=r"autocast|float16|bfloat16|GradScaler|\.half\(\)",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            tail = last_name(name)
            if tail in CONTROLS:
                args = ", ".join([unparse(a, 30) for a in call.args] + sorted(f"{k.arg}={unparse(k.value, 30)}" for k in call.keywords))
                # compared with configuration reads resolved (`enabled=self._mixed_precision` set from
                # `cfg["mixed_precision"]` and `enabled=self.cfg.mixed_precision` of a dataclass field
                # with the same default are one switch), shown as written
                key = ", ".join([canon(a, site) for a in call.args] + sorted(f"{k.arg}={canon(k.value, site)}" for k in call.keywords))
                out.append(Feature(("control", tail, key), site, f"{tail}({args})"))
            elif tail in CASTS and not call.args and isinstance(call.func, ast.Attribute):
                out.append(Feature(("cast", tail), site, f".{tail}()"))
        # a float32 upcast ahead of a log-softmax (`outputs.logits.float()`): the log-probabilities' precision
        for site, call, normaliser in normalised_upcasts(sites):
            out.append(Feature(("upcast", normaliser), site, unparse(call, 60)))
        # `if v.dtype == np.float64:` tests a dtype, it does not choose one (rl_games casts float64
        # observations to float32 behind such a test, then extended it to nested dicts)
        tested = {id(side) for site in sites if isinstance(site.node, ast.Compare)
                  for side in _tested(site.node)}
        restated = _numpy_default_dtypes(sites)
        for site in sites:
            node = site.node
            # the dtype test first: `_inside_logging` reads the names of the whole inlined chain, and was asked
            # for every site of every function (d3rlpy 9c25f0c7..8bcca90a: 152,650 asks, 9 % of the code
            # detectors' CPU) though only a `torch.float16`-like attribute can become a feature
            if (
                isinstance(node, ast.Attribute)
                and node.attr in DTYPE_ATTRS
                and id(node) not in tested and id(node) not in restated
                and dotted(node.value) in ("torch", "np", "numpy", "jnp")
                and not _inside_logging(site)
            ):
                out.append(Feature(("dtype", node.attr), site, dotted(node)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        inert = _inert(pair, only_cand, ctx)
        if inert and len(inert[0]) == len(only_cand) and not only_base:
            # oat v0.2.2..v0.2.3 (oat/model.py:267): `torch.bfloat16 if bf16 else torch.float16 if fp16 else "auto"`
            # with the new `fp16=False` that no caller turns on: the float16 arm is never taken (flow/inertopt.py)
            hit = feature_hit(f"Precision changed: `{only_cand[0].text}` at the candidate", pair, only_base, only_cand)
            hit.no_effect_reason = inert[1] + ": the reduced-precision arm is not taken at that value"
            return [hit]
        if all(_off(f) for f in (*only_base, *only_cand)):
            # `autocast(enabled=self.cfg.mixed_precision)` with the switch False by default: at the
            # default no region runs in reduced precision with or without it (skrl 2.0 moved a value
            # computation out of such a region into another one)
            f = (only_cand or only_base)[0]
            where = "at the candidate" if only_cand else "removed"
            return [feature_hit(f"Precision control `{f.text}` {where}, off by default", pair, only_base, only_cand,
                                severity=Severity.low, confidence=0.4)]
        upcast = _upcast_hit(pair, only_base, only_cand)
        if upcast is not None:
            return [upcast]
        if only_cand:
            return [feature_hit(f"Precision changed: `{only_cand[0].text}` at the candidate", pair, only_base, only_cand)]
        return [feature_hit(f"Precision changed: `{only_base[0].text}` removed", pair, only_base, [], confidence=0.6)]


def _upcast_hit(pair: FunctionPair, only_base: list[Feature], only_cand: list[Feature]) -> Hit | None:
    """A float32 upcast ahead of a normalising reduction removed or added, and nothing else of the detector's
    (detectors/upcast.py): removed, the log-probabilities are computed in the model's dtype (bf16 / fp16 logits),
    ranked with the detector's own confidence; added, the usual fix, a little lower."""
    if not (only_base or only_cand) or any(f.key[0] != "upcast" for f in (*only_base, *only_cand)):
        return None
    if only_base and not only_cand:
        f = only_base[0]
        return feature_hit(f"Precision changed: float32 upcast `{f.text}` before `{f.key[1]}` removed (now in the "
                           "input's dtype)", pair, only_base, [],
                           fix=f"Restore `{f.text}` ahead of `{f.key[1]}`: with bf16/fp16 model outputs the "
                               "log-probabilities that reach the loss (ratios, KL terms) lose most of their mantissa.")
    f = only_cand[0]
    return feature_hit(f"Precision changed: float32 upcast `{f.text}` before `{f.key[1]}` at the candidate", pair,
                       only_base, only_cand, confidence=0.6)


def _tested(node: ast.Compare) -> list[ast.expr]:
    """The operands of a comparison, with the items of a literal list, tuple or set it tests membership in
    (`value.dtype in [np.bfloat16]`, EasyDeL 090a03b2 easydel/trainers/training_configurations.py:1889)."""
    out: list[ast.expr] = []
    for side in (node.left, *node.comparators):
        out.append(side)
        if isinstance(side, ast.List | ast.Tuple | ast.Set):
            out.extend(side.elts)
    return out


def _inside_logging(site: Site) -> bool:
    """A site inlined from a callee named for writing values out for people (`log_metrics`, `_log_to_wandb`,
    `_create_wandb_histogram`: `flow.evaluation.named_like_logging`): a cast there shapes what a logger
    receives, not what training computes. Real shape (precision held-out 17, EasyDeL f37071fb..090a03b2,
    easydel/trainers/trainer/trainer.py:722): `Trainer._eval_epoch` gained a `self.log_metrics(...)` call,
    which reaches `_create_wandb_histogram`'s `value.astype(np.float16)` for a `wandb.Histogram` four calls
    down: "Precision changed: `np.bfloat16` at the candidate" (significant, #4). The analysed function's own
    lines, and callees not named so, keep their casts."""
    from investigator.flow.evaluation import named_like_logging

    return site.depth > 0 and any(named_like_logging(fn) for fn in site.chain[1:])


# numpy constructors whose dtype defaults to float64: `dtype=np.float64` there restates the default
NUMPY_FLOAT64_DEFAULT = {"zeros", "ones", "empty", "full"}


def _numpy_default_dtypes(sites: list[Site]) -> set[int]:
    """The `np.float64` / `numpy.float64` nodes that are the `dtype=` of `np.zeros/ones/empty/full(...)`: numpy
    builds those in float64 without it. Real shape (dqn_zoo v1.1.0..v1.2.0, dqn_zoo/replay.py:526):
    `self._sum_tree.set(indices, np.zeros((len(indices),), dtype=np.float64))` was "Precision changed:
    `np.float64` at the candidate". Not `torch`/`jnp` (float32 by default), not `np.array` (follows its input)."""
    out: set[int] = set()
    for _site, call, name in calls(sites):
        if last_name(name) not in NUMPY_FLOAT64_DEFAULT or not isinstance(call.func, ast.Attribute) \
                or dotted(call.func.value) not in ("np", "numpy"):
            continue
        for k in call.keywords:
            if k.arg == "dtype" and isinstance(k.value, ast.Attribute) and k.value.attr == "float64" \
                    and dotted(k.value.value) in ("np", "numpy"):
                out.add(id(k.value))
    return out


OFF = re.compile(r"(^|, )enabled=(False|config\[[^=\]]+=False\])(,|$)")


def _off(f: Feature) -> bool:
    """An `autocast`/`GradScaler` whose `enabled` is False, written or as a configuration default."""
    return f.key[0] == "control" and f.key[1] in {"autocast", "GradScaler"} and bool(OFF.search(str(f.key[2])))


def _inert(pair: FunctionPair, features: list[Feature], ctx: DetectorContext) -> tuple[list[Feature], str] | None:
    """The candidate's features in an arm that the function's new options, at their effective value, never take
    (flow/inertopt.py), and why; None when there is none."""
    from investigator.flow.inertopt import describe, inert_arm, new_option_values

    if pair.base is None or pair.cand is None or not features:
        return None
    out: list[Feature] = []
    used: set[str] = set()
    values: dict[str, tuple[object, str]] = {}
    for f in features:
        if f.site.depth != 0 or f.site.fn is not pair.cand:
            continue
        values = values or new_option_values(pair.base, pair.cand, ctx.pairs.cand, ctx.pairs.base)
        found = inert_arm(f.site.node, pair.cand.node, values) if values else set()
        if found:
            out.append(f)
            used |= found
    return (out, describe(used, values)) if out else None
