"""Same-value rewrites that are no behavioural change (issue 11, noise classes N4 and N6 of precision set 15): the
deprecated positional-scalar signatures of torch arithmetic, builtin constructors written as literals, commuting
`.detach()` / device-move / cast chains, and a starred target added to an unpacking. Each test names the real seat
it reproduces; each has a negative where the same place really changes.
"""

from __future__ import annotations

import ast

from investigator.detectors.patterns import equivalent_form
from tests.detectors.helpers import run_on
from tests.flow.support import flow_findings

POLYAK = """
import torch


def polyak_average(source, target, alpha):
    for s, t in zip(source.parameters(), target.parameters()):
        s.data.mul_(alpha).add_(1.0 - alpha, t.data)


def train(model, target, opt, batches):
    for b in batches:
        loss = model(b).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        polyak_average(target, model, 0.995)
"""

LITERALS = """
import torch


class Pre:
    def __init__(self):
        self.table = dict()

    def space(self, space):
        ret = dict()
        for key, value in space.items():
            ret[key] = value * 2
        return ret


def train(model, opt, batches, space):
    p = Pre()
    shapes = p.space(space)
    for b in batches:
        loss = model(b, shapes).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

UNPACK = """
import torch


class Batch:
    def to(self, *args, **kwargs):
        device, dtype, non_blocking = torch._C._nn._parse_to(*args, **kwargs)
        return self.tensor.to(device, dtype, non_blocking)


def train(model, opt, batches):
    for b in batches:
        b = Batch().to(b)
        loss = model(b).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def _loud(base: str, cand: str) -> list[str]:
    return [f"{f.severity.value} {f.title}" for f in flow_findings({"a.py": base}, {"a.py": cand})
            if f.severity.value in ("critical", "significant")]


def _same(a: str, b: str) -> bool:
    return ast.dump(equivalent_form(ast.parse(a, mode="eval").body)) == ast.dump(
        equivalent_form(ast.parse(b, mode="eval").body))


def test_the_deprecated_positional_scalar_form_is_the_keyword_form() -> None:
    """cherry v0.1.3..v0.1.4 `cherry/models/utils.py:64` `polyak_average`: `add_(1.0 - alpha, t.data)` ->
    `add_(t.data, alpha=1.0 - alpha)` (significant "optimizer path", #1)."""
    assert _loud(POLYAK, POLYAK.replace("add_(1.0 - alpha, t.data)", "add_(t.data, alpha=1.0 - alpha)")) == []
    assert _same("x.sub_(lr, g)", "x.sub_(g, alpha=lr)")
    assert _same("p.addcmul_(1 - b, g, g)", "p.addcmul_(g, g, value=1 - b)")
    assert _same("p.addcdiv_(-step, m, d)", "p.addcdiv_(m, d, value=-step)")
    assert _same("torch.add(x, a, t)", "torch.add(x, t, alpha=a)")
    assert _same("th.addcmul(x, v, a, b)", "th.addcmul(x, a, b, value=v)")


def test_another_scalar_or_operand_is_still_a_change() -> None:
    assert _loud(POLYAK, POLYAK.replace("add_(1.0 - alpha, t.data)", "add_(t.data, alpha=alpha)"))
    assert _loud(POLYAK, POLYAK.replace("add_(1.0 - alpha, t.data)", "add_(t.data)"))
    assert not _same("x.add_(t, alpha=a)", "x.add_(t, alpha=b)")
    assert not _same("torch.add(x, t)", "torch.add(t, alpha=x)")  # today's (input, other): no scalar
    assert not _same("p.addcmul_(g, g, value=1 - b)", "p.addcmul_(g, g, value=b)")


def test_a_builtin_constructor_is_its_literal() -> None:
    """rlgraph 70b14a64..428fc136 `rlgraph/components/layers/preprocessing/grayscale.py:61` (`ret = dict()` ->
    `ret = {}`, "target path" #2) and `transpose.py:47` (`self.output_time_majors = dict()` -> `{}`, #5)."""
    assert _loud(LITERALS, LITERALS.replace("dict()", "{}")) == []
    assert _same("dict(a=1, b=x)", "{'a': 1, 'b': x}")
    assert _same("list()", "[]") and _same("tuple()", "()") and _same("set([a, b])", "{a, b}")


def test_a_constructor_with_other_contents_is_still_a_change() -> None:
    assert _loud(LITERALS, LITERALS.replace("ret = dict()", "ret = {'bias': 1}"))
    assert not _same("dict(a=1)", "{'a': 2}")
    assert not _same("dict(a=1)", "{'b': 1}")
    assert not _same("set()", "{}")  # an empty set is no empty dict
    assert not _same("list()", "()")


def test_commuting_detach_device_and_cast_steps_read_alike() -> None:
    """cherry v0.1.3..v0.1.4 `cherry/envs/torch_wrapper.py:40` writes `.cpu().detach()`, torch's docs
    `.detach().cpu()`; a device move and a dtype cast commute as values."""
    assert _same("x.cpu().detach().numpy()", "x.detach().cpu().numpy()")
    assert _same("x.float().to(device=d)", "x.to(device=d).float()")
    assert _same("x.cuda().float().detach()", "x.detach().float().cuda()")


def test_a_missing_detach_or_reordered_casts_are_still_a_change() -> None:
    assert not _same("x.cpu().detach()", "x.cpu()")
    assert not _same("x.half().float()", "x.float().half()")
    assert not _same("x.to(d).float()", "x.float().to(d)")  # `to(d)`: d may be a dtype
    assert not _same("x.cpu().detach()", "x.detach().cuda()")


def test_a_starred_target_added_to_an_unpacking_binds_the_same_names() -> None:
    """cherry v0.1.3..v0.1.4 `cherry/experience_replay.py:113` `Transition.to`: `device, dtype, non_blocking =
    _parse_to(...)` -> `device, dtype, non_blocking, *_ = _parse_to(...)` (torch 1.5 returns a fourth value;
    significant "sampling path", #2)."""
    assert _loud(UNPACK, UNPACK.replace("non_blocking = ", "non_blocking, *_ = ")) == []


def test_a_name_no_longer_bound_by_the_unpacking_is_still_a_change() -> None:
    cand = UNPACK.replace("device, dtype, non_blocking = ", "device, *_, non_blocking = ")
    cand = cand.replace("to(device, dtype, non_blocking)", "to(device, None, non_blocking)")
    assert _loud(UNPACK, cand)
    cand = UNPACK.replace("device, dtype, non_blocking = ", "device, non_blocking, *_ = ")
    assert _loud(UNPACK, cand)


ACTIONS = """
import gym
import torch


class Torch:
    def convert_action(self, action):
        if isinstance(action, torch.Tensor):
            action = CONVERT
        return self.env.step(action)


def main():
    env = Torch()
    env.convert_action(torch.zeros(3))
"""


def _placement(base: str, cand: str) -> list[str]:
    return [f.title for f in run_on({"m.py": ACTIONS.replace("CONVERT", base)},
                                    {"m.py": ACTIONS.replace("CONVERT", cand)}, only={"device_placement"}).findings]


def test_a_host_copy_through_detach_for_numpy_is_no_placement_change() -> None:
    """cherry v0.1.3..v0.1.4 `cherry/envs/torch_wrapper.py:40`: `action.view(-1).data.numpy()` ->
    `action.view(-1).cpu().detach().numpy()` ("Device placement changed", significant, #3)."""
    assert _placement("action.view(-1).data.numpy()", "action.view(-1).cpu().detach().numpy()") == []
    assert _placement("action.data.numpy()", "action.cpu().data.float().numpy()") == []


def test_a_tensor_moved_to_the_cpu_and_kept_is_still_a_placement_change() -> None:
    assert _placement("action.view(-1)", "action.view(-1).cpu().detach()") == ["Device placement changed"]
    assert _placement("action.view(-1)", "action.view(-1).cpu().detach().mean()") == ["Device placement changed"]
