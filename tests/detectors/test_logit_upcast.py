"""A float32 upcast of the logits ahead of a log-softmax, dropped or added, is a precision change.

Real shape (precision held-out 19, nano-aha-moment 1085ceaf..6cd0306d utils.py:157): `compute_token_log_probs`
went from `logits = outputs.logits.float() / temperature` ... `torch.log_softmax(shift_logits, dim=-1)` to
`logits = outputs.logits / temperature` ... `log_softmax_and_gather(shift_logits, shift_labels)` (a project helper
doing the log-softmax) with the policy in bf16: the token log-probabilities of the policy-gradient loss went bf16,
reported only as an anonymous 7-statement "Behavioural change in the loss path" at #11."""

from __future__ import annotations

from tests.detectors.helpers import run_on

UTILS = """
import torch


def log_softmax_and_gather(logits, index):
    logprobs = logits.log_softmax(dim=-1)
    return torch.gather(logprobs, dim=-1, index=index.unsqueeze(-1)).squeeze(-1)


def compute_token_log_probs(model, inputs, temperature):
    outputs = model(input_ids=inputs["input_ids"])
    logits = outputs.logits.float() / temperature
    shift_logits = logits[..., :-1, :].contiguous()
    shift_labels = inputs["labels"][..., 1:].contiguous()
    label_mask = (shift_labels != -100).float()
    shift_labels[shift_labels == -100] = 0
    log_probs = torch.log_softmax(shift_logits, dim=-1)
    log_probs = torch.gather(log_probs, dim=2, index=shift_labels.unsqueeze(2))
    log_probs = log_probs.squeeze(2)
    return log_probs * label_mask


def train_step(model, optimizer, inputs, advantages):
    logps = compute_token_log_probs(model, inputs, 1.0)
    loss = -(logps * advantages).mean()
    loss.backward()
    optimizer.step()
"""

# the candidate: no upcast, the log-softmax inside a project helper
BF16 = UTILS.replace("""    logits = outputs.logits.float() / temperature
    shift_logits = logits[..., :-1, :].contiguous()
    shift_labels = inputs["labels"][..., 1:].contiguous()
    label_mask = (shift_labels != -100).float()
    shift_labels[shift_labels == -100] = 0
    log_probs = torch.log_softmax(shift_logits, dim=-1)
    log_probs = torch.gather(log_probs, dim=2, index=shift_labels.unsqueeze(2))
    log_probs = log_probs.squeeze(2)
""", """    logits = outputs.logits / temperature
    shift_logits = logits[..., :-1, :]
    shift_labels = inputs["labels"][..., 1:]
    label_mask = (shift_labels != -100).float()
    shift_labels[shift_labels == -100] = 0
    log_probs = log_softmax_and_gather(shift_logits, shift_labels)
""")


def _titles(base: str, cand: str) -> list[tuple[str, str]]:
    result = run_on({"utils.py": base}, {"utils.py": cand}, only={"precision"})
    return [(f.severity.value, f.title) for f in result.findings]


def test_the_upcast_before_a_log_softmax_dropped_is_a_significant_precision_change() -> None:
    assert BF16 != UTILS
    titles = _titles(UTILS, BF16)
    assert titles == [("significant", "Precision changed: float32 upcast `outputs.logits.float()` before "
                                      "`log_softmax` removed (now in the input's dtype)")], titles


def test_the_upcast_added_is_a_precision_change_too() -> None:
    titles = _titles(BF16, UTILS)
    assert len(titles) == 1 and titles[0][1].startswith("Precision changed: float32 upcast"), titles
    assert titles[0][1].endswith("at the candidate"), titles


def test_the_upcast_kept_and_moved_into_the_helper_call_is_no_change() -> None:
    moved = BF16.replace("log_softmax_and_gather(shift_logits, shift_labels)",
                         "log_softmax_and_gather(shift_logits.float(), shift_labels)")
    assert _titles(UTILS, moved) == []


def test_a_boolean_mask_cast_to_float_dropped_is_no_precision_change() -> None:
    masked = UTILS.replace("label_mask = (shift_labels != -100).float()", "label_mask = shift_labels != -100")
    assert _titles(UTILS, masked) == []


def test_a_float_cast_no_normalisation_reads_is_no_precision_change() -> None:
    base = UTILS.replace("    return log_probs * label_mask", "    scale = outputs.hidden.float() * 2\n"
                         "    return log_probs * label_mask * scale")
    cand = base.replace("scale = outputs.hidden.float() * 2", "scale = outputs.hidden * 2")
    assert _titles(base, cand) == []


LOGGED = UTILS + """

def log_entropy(writer, model, inputs, step):
    logits = model(input_ids=inputs['input_ids']).logits.float()
    entropy = -(torch.softmax(logits, dim=-1) * torch.log_softmax(logits, dim=-1)).sum(-1).mean()
    writer.add_scalar("entropy", entropy.item(), step)
"""


def test_the_upcast_dropped_in_logging_code_is_no_effect() -> None:
    cand = LOGGED.replace("logits = model(input_ids=inputs['input_ids']).logits.float()",
                          "logits = model(input_ids=inputs['input_ids']).logits")
    assert cand != LOGGED
    result = run_on({"utils.py": LOGGED}, {"utils.py": cand}, only={"precision"})
    assert [f.title for f in result.findings] == [], result.findings
    assert any("upcast" in n.title for n in result.no_effect), result.no_effect


def test_a_cast_of_the_labels_handed_to_cross_entropy_is_no_precision_change() -> None:
    base = UTILS.replace("    return log_probs * label_mask",
                         "    aux = torch.nn.functional.cross_entropy(shift_logits, shift_labels.float())\n"
                         "    return log_probs * label_mask + aux")
    cand = base.replace("shift_labels.float())", "shift_labels)")
    assert cand != base
    assert _titles(base, cand) == []


def test_the_upcast_of_what_cross_entropy_normalises_is_one() -> None:
    base = UTILS.replace("    return log_probs * label_mask",
                         "    aux = torch.nn.functional.cross_entropy(outputs.aux.float(), shift_labels)\n"
                         "    return log_probs * label_mask + aux")
    cand = base.replace("outputs.aux.float()", "outputs.aux")
    titles = _titles(base, cand)
    assert len(titles) == 1 and "before `cross_entropy` removed" in titles[0][1], titles
