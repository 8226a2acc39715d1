"""A small edit whose meaning is known by its form (an operator regrouping, a gradient cut toggled) ranks before
an anonymous real change of the same range (real shapes: baselines' GAIL `(obs - mean) / std` ->
`obs - mean / std`, ranked below a rewritten `len(shape[2:]) != 0` test; cleanrl's PQN `(...) * next_value) *
nextnonterminal` -> `(... * next_value * nextnonterminal)`, ranked below a rewritten buffer module; minimalRL's
ACER `pi.detach()` -> `pi` in its bias-correction loss, ranked below layer changes of another script)."""

from __future__ import annotations

import ast

from investigator.ranking import rank_findings
from tests.flow.support import flow_findings

SCRIPT = """
    import torch


    def normalise(adv):
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        return adv


    def update(model, optimizer, obs, adv, old_logp):
        logp = model(obs)
        ratio = torch.exp(logp - old_logp)
        adv = normalise(adv)
        loss = -(ratio * adv).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


    if __name__ == "__main__":
        from nets import make
        model, optimizer, batches = make()
        for obs, adv, old_logp in batches:
            update(model, optimizer, obs, adv, old_logp)
"""

# a real, deliberate change of the same range, nearer the loss: the ratio clipped (a feature)
REFACTOR = ("ratio = torch.exp(logp - old_logp)", "ratio = torch.exp(logp - old_logp).clamp(0.0, 10.0)")


def _ranked(candidate: str) -> list[str]:
    return [f.title for f in rank_findings(flow_findings({"train.py": SCRIPT}, {"train.py": candidate}))
            if f.severity.value == "significant"]


def test_a_regrouped_normalisation_ranks_before_an_anonymous_loss_change() -> None:
    cand = SCRIPT.replace(*REFACTOR).replace("(adv - adv.mean()) / (adv.std() + 1e-8)",
                                             "adv - adv.mean() / (adv.std() + 1e-8)")
    titles = _ranked(cand)
    assert len(titles) == 2, titles
    assert titles[0].startswith("Operator grouping changed in the advantage path: `normalise`"), titles


def test_a_removed_detach_ranks_before_an_anonymous_loss_change() -> None:
    base = SCRIPT.replace("        return adv", "        return adv.detach()")
    cand = base.replace(*REFACTOR).replace("return adv.detach()", "return adv")
    titles = [f.title for f in rank_findings(flow_findings({"train.py": base}, {"train.py": cand}))
              if f.severity.value == "significant"]
    assert len(titles) == 2, titles
    assert titles[0].startswith("Gradient cut changed in the loss path: `normalise`"), titles


def test_an_other_edit_of_the_same_statement_stays_anonymous() -> None:
    # the epsilon dropped: a real change, but not a regrouping; the nearer loss change keeps its place
    cand = SCRIPT.replace(*REFACTOR).replace("(adv.std() + 1e-8)", "(adv.std() + 1e-5)")
    titles = _ranked(cand)
    assert len(titles) == 2 and not any("grouping" in t for t in titles), titles
    assert "`update`" in titles[0], titles


def _edit(a: str, b: str, scalars: frozenset[str] = frozenset({"a"})) -> str | None:
    # imported here: the ranking tests above also run on a tree without the module
    from investigator.flow.edits import known_edit
    return known_edit([ast.parse(a).body[0]], [ast.parse(b).body[0]], set(scalars))


def test_groupings_equal_by_associativity_are_no_edit() -> None:
    assert _edit("x = a * (b * c)", "x = a * b * c") is None
    assert _edit("x = (a + b) - c", "x = a + (b - c)") is None
    assert _edit("x = (a * b) / c", "x = a * (b / c)") is None
    assert _edit("x = f(a)", "x = f(b)") is None  # another operand: not a known edit


def test_groupings_that_change_the_value_are_edits() -> None:
    assert _edit("x = a - (b - c)", "x = a - b - c") is not None
    assert _edit("y = r + g * (l * R + (1 - l) * v) * m", "y = r + g * (l * R + (1 - l) * v * m)") is not None
    assert _edit("y = jax.lax.stop_gradient(t) - q", "y = t - q") is not None
    # a regrouping together with another operand changed is not only a regrouping
    assert _edit("x = (a - b) / c", "x = a - b / d") is None


def test_a_lost_return_ranks_before_an_anonymous_loss_change() -> None:
    # real shape: dopamine's Keras initialiser helper, `return VarianceScaling(...)` -> `VarianceScaling(...)`
    cand = SCRIPT.replace(*REFACTOR).replace("        return adv", "        adv")
    titles = _ranked(cand)
    assert titles and titles[0].startswith("Return value lost in the"), titles
    assert "`normalise`" in titles[0], titles


def test_a_truth_test_made_a_presence_test_ranks_before_an_anonymous_loss_change() -> None:
    # real shape: DI-engine's MLP, `if use_dropout:` -> `if use_dropout is not None:` (False now adds dropout)
    titles = _truth_swapped("scale: float = 0.0")
    assert titles and titles[0].startswith("Truth test changed in the"), titles
    assert "`normalise`" in titles[0], titles


def _truth_swapped(parameter: str) -> list[str]:
    base = SCRIPT.replace("def normalise(adv):", f"def normalise(adv, {parameter}):").replace(
        "        adv = (adv - adv.mean())", "        if scale:\n            adv = adv * scale\n"
        "        adv = (adv - adv.mean())")
    cand = base.replace(*REFACTOR).replace("if scale:", "if scale is not None:")
    return [f.title for f in rank_findings(flow_findings({"train.py": base}, {"train.py": cand}))
            if f.severity.value == "significant"]


def test_a_truth_test_of_an_optional_object_made_a_presence_test_stays_anonymous() -> None:
    # real shape: rsl_rl's `if rnd_cfg is not None:` -> `if rnd_cfg:` (`rnd_cfg: dict | None = None`), a style
    # change of another commit that outranked the real bug once read as a known edit
    titles = _truth_swapped("scale=None")
    assert not any(t.startswith("Truth test changed") for t in titles), titles


def test_a_truth_test_against_another_name_is_no_known_edit() -> None:
    assert _edit("if a:\n    pass", "if b is not None:\n    pass") is None
    assert _edit("if a:\n    pass", "if a is None:\n    pass") is None  # the opposite test: not a swap of form
    assert _edit("if not a:\n    pass", "if a is None:\n    pass") is not None
    assert _edit("if not a:\n    pass", "if a is None:\n    pass", frozenset()) is None  # not a falsy scalar


def test_scalar_parameters_are_falsy_defaults_or_scalar_annotations() -> None:
    from investigator.flow.edits import scalar_parameters
    fn = ast.parse("def f(a, b=False, c=0.0, d=None, e: bool = True, *, g: int, h={}, i=1): pass").body[0]
    assert scalar_parameters(fn) == {"b", "c", "e", "g"}


def test_a_removed_epsilon_ranks_before_an_anonymous_loss_change() -> None:
    # real shape: stable-baselines' TRPO, `(atarg - atarg.mean()) / (atarg.std() + 1e-8)` -> `/ atarg.std()`
    cand = SCRIPT.replace(*REFACTOR).replace("(adv.std() + 1e-8)", "adv.std()")
    titles = _ranked(cand)
    assert titles and titles[0].startswith("Numerical guard removed in the"), titles
    assert "`normalise`" in titles[0], titles


def test_a_numerical_guard_is_a_small_constant() -> None:
    assert _edit("x = torch.log(p + 1e-6) * a", "x = torch.log(p) * a") is not None
    assert _edit("x = a + 0.5", "x = a") is None  # an offset, not a guard: another value, not a known edit
    assert _edit("x = a / (s + 1e-8)", "x = a / (s + 1e-5)") is None  # another guard: a tuning
    assert _edit("x = a / s", "x = a / (s + 1e-8)") is None  # a guard added: the direction of a fix
