"""A library's public learning-signal function that nothing in the repository calls is on its users' flow.

Real shape (held-out 3, google-deepmind/rlax): a library of loss functions; a dropped `stop_gradient` on
the weights inside `vmpo_loss` gave no finding at all ("no caller of `vmpo_loss` found"): the flow only
follows values to a training step the repository itself runs."""

from __future__ import annotations

from investigator.models import Severity
from tests.flow.support import flow_findings

LOSSES = """
    import torch


    def {name}(logits, actions, advantages, temperature):
        weights = torch.softmax(advantages {op} temperature, dim=0)
        log_prob = torch.log_softmax(logits, dim=-1).gather(-1, actions)
        return -(weights * log_prob).sum()
"""


def _found(path: str = "mylib/losses.py", name: str = "vmpo_loss", cand_op: str = "*", script: str = ""):
    init = {path.rsplit("/", 1)[0] + "/__init__.py": ""}
    base = {path: LOSSES.format(name=name, op="/") + script, **init}
    cand = {path: LOSSES.format(name=name, op=cand_op) + script, **init}
    return flow_findings(base, cand)


def test_a_change_inside_an_uncalled_public_loss_function_is_a_loss_path_finding() -> None:
    found = _found()
    assert len(found) == 1 and "loss path" in found[0].title and "vmpo_loss" in found[0].title
    assert found[0].severity is Severity.significant
    assert "library's users" in found[0].rationale


def test_a_private_helper_or_a_test_file_is_not_a_library_api() -> None:
    assert _found(name="_vmpo_loss") == []
    assert _found(path="tests/test_losses.py") == []


def test_a_function_whose_name_says_nothing_of_the_learning_signal_is_not_one() -> None:
    assert _found(name="softmax_weights") == []


def test_a_dead_loss_function_of_a_script_is_not_a_library_api() -> None:
    script = """

    if __name__ == "__main__":
        print("train")
"""
    assert _found(script=script) == []


def test_the_same_function_unchanged_is_no_finding() -> None:
    assert _found(cand_op="/") == []


HELPED = """
    import torch


    def compute_weights_and_temperature_loss(advantages, temperature):
        weights = torch.softmax(advantages {op} temperature, dim=0)
        return weights, temperature.mean()


    def vmpo_loss(logits, actions, advantages, temperature):
        weights, temperature_loss = compute_weights_and_temperature_loss(advantages, temperature)
        log_prob = torch.log_softmax(logits, dim=-1).gather(-1, actions)
        return -(weights * log_prob).sum() + temperature_loss
"""


def test_a_change_in_a_helper_of_an_uncalled_library_loss_is_a_loss_path_finding() -> None:
    # real shape (rlax): the bug sits in `vmpo_compute_weights_and_temperature_loss`, which `vmpo_loss` calls
    init = {"mylib/__init__.py": ""}
    found = flow_findings({"mylib/mpo.py": HELPED.format(op="/"), **init}, {"mylib/mpo.py": HELPED.format(op="*"), **init})
    assert len(found) == 1 and "loss path" in found[0].title, [f.title for f in found]
    assert "`vmpo_loss`" in found[0].rationale and found[0].severity is Severity.significant


NORMALISE = """
    import torch


    def {name}(tensor, mask, dim=1, eps=1e-8):
        mask_sum = mask.sum(dim=dim, keepdim={keep}).clamp(min=1)
        mean = (tensor * mask).sum(dim=dim, keepdim={keep}) / mask_sum
        centered = (tensor - mean) * mask
        var = (centered ** 2).sum(dim=dim, keepdim={keep}) / mask_sum
        return centered * var.clamp(min=eps).rsqrt()
"""


def _normalised(name: str, keep: str = "False"):
    init = {"mylib/models/__init__.py": ""}
    return flow_findings({"mylib/models/utils.py": NORMALISE.format(name=name, keep="True"), **init},
                         {"mylib/models/utils.py": NORMALISE.format(name=name, keep=keep), **init})


def test_an_uncalled_public_normalising_helper_is_a_library_api() -> None:
    """Real shape (OpenRLHF, fix b3d2927 re-applied, `openrlhf/models/utils.py:masked_normalize`): the per-row
    mean and variance lost `keepdim=True` and broadcast along the wrong axis; nothing in the repository calls
    the helper, so the change was "no callers" and the report named nothing in the file."""
    found = _normalised("masked_normalize")
    assert len(found) == 1 and "advantage path" in found[0].title and "masked_normalize" in found[0].title
    assert found[0].severity is Severity.significant


def test_a_helper_named_for_something_else_stays_judged_by_its_callers() -> None:
    assert _normalised("normalize_obs") == []  # observations: its name says what it is for, not a return value
    assert _normalised("_masked_normalize") == []  # private
    assert _normalised("masked_normalize", keep="True") == []  # unchanged
