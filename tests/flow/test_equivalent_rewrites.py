"""Same-value rewrites that are no behavioural change (issue 11, noise classes N4 and N6 of precision set 15): the
deprecated positional-scalar signatures of torch arithmetic, builtin constructors written as literals, commuting
`.detach()` / device-move / cast chains, host exports, a starred target added to an unpacking, a global loaded
lazily and a constant field turned into a property. Each test names the real seat
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
    # a two-argument `.add` of anything else (a replay buffer's) is read as written
    assert not _same("buffer.add(obs, action)", "buffer.add(action, alpha=obs)")
    assert _same("x.add(1 - tau, y)", "x.add(y, alpha=1 - tau)")


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


def test_a_host_export_reads_the_same_numbers_through_cpu_detach_and_data() -> None:
    """cherry v0.1.3..v0.1.4 `cherry/envs/torch_wrapper.py:40`: `action.view(-1).data.numpy()` ->
    `action.view(-1).cpu().detach().numpy()` (with the placement explained, the flow's "environment path")."""
    assert _same("action.view(-1).data.numpy()", "action.view(-1).cpu().detach().numpy()")
    assert _same("loss.item()", "loss.detach().cpu().item()")
    assert not _same("x.cpu().numpy()", "x.float().numpy()")
    assert not _same("x.detach().numpy()", "x.numpy(force=True)")
    assert not _same("x.data.numpy()", "x.data")


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
    flow = flow_findings({"m.py": ACTIONS.replace("CONVERT", "action.view(-1).data.numpy()")},
                         {"m.py": ACTIONS.replace("CONVERT", "action.view(-1).cpu().detach().numpy()")})
    assert [f.title for f in flow] == []


def test_a_tensor_moved_to_the_cpu_and_kept_is_still_a_placement_change() -> None:
    assert _placement("action.view(-1)", "action.view(-1).cpu().detach()") == ["Device placement changed"]
    assert _placement("action.view(-1)", "action.view(-1).cpu().detach().mean()") == ["Device placement changed"]


LAZY_BASE = """
import os
from transformers import AutoTokenizer, CLIPTextModelWithProjection

tokenizer = "openai/clip-vit-large-patch14"
lang_emb_model = CLIPTextModelWithProjection.from_pretrained(tokenizer, cache_dir=os.path.expanduser("~/tmp")).eval()
tz = AutoTokenizer.from_pretrained(tokenizer, TOKENIZERS_PARALLELISM=True)


def get_lang_emb(lang):
    if lang is None:
        return None
    tokens = tz(text=lang, add_special_tokens=True, return_tensors="pt")
    lang_emb = lang_emb_model(**tokens)["text_embeds"].detach()[0]
    return lang_emb
"""

LAZY_CAND = """
import os

tokenizer = "openai/clip-vit-large-patch14"
lang_emb_model = None
tz = None


def _load_lang_emb_model():
    global lang_emb_model, tz
    if lang_emb_model is None:
        from transformers import AutoTokenizer, CLIPTextModelWithProjection
        lang_emb_model = CLIPTextModelWithProjection.from_pretrained(tokenizer, cache_dir=os.path.expanduser("~/tmp")).eval()
        tz = AutoTokenizer.from_pretrained(tokenizer, TOKENIZERS_PARALLELISM=True)
    return lang_emb_model, tz


def get_lang_emb(lang):
    if lang is None:
        return None
    lang_emb_model, tz = _load_lang_emb_model()
    tokens = tz(text=lang, add_special_tokens=True, return_tensors="pt")
    lang_emb = lang_emb_model(**tokens)["text_embeds"].detach()[0]
    return lang_emb
"""

LAZY_TRAIN = """
from lang import get_lang_emb


def train(model, opt, batches, env):
    for b in batches:
        emb = get_lang_emb(b["lang"])
        obs = env.step(model(b["obs"], emb))
        loss = model(b["obs"], emb).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def _lazy(cand: str) -> list[str]:
    return [f"{f.severity.value} {f.title}" for f in flow_findings({"lang.py": LAZY_BASE, "train.py": LAZY_TRAIN},
                                                                    {"lang.py": cand, "train.py": LAZY_TRAIN})
            if f.severity.value in ("critical", "significant")]


def test_a_global_loaded_lazily_by_a_caching_loader_is_no_change() -> None:
    """robomimic 2194b507..d309eaec `robomimic/utils/lang_utils.py:5` (`<module>`, 2 statements, #3) and `:33`
    (`get_lang_emb`, #2): the CLIP model and tokenizer loaded on first use by `_load_lang_emb_model()`."""
    assert _lazy(LAZY_CAND) == []
    # the real module sets the globals to None below another constant: a deletion and an addition, not a pair
    key = 'LANG_EMB_OBS_KEY = "lang_emb"\n'
    base = LAZY_BASE.replace("\n\ndef get_lang_emb", "\n" + key + "\n\ndef get_lang_emb")
    cand = LAZY_CAND.replace("lang_emb_model = None\n", key + "\nlang_emb_model = None\n")
    assert [f"{f.severity.value} {f.title}" for f in flow_findings({"lang.py": base, "train.py": LAZY_TRAIN},
                                                                    {"lang.py": cand, "train.py": LAZY_TRAIN})] == []


def test_a_lazy_loader_of_another_value_or_without_its_cache_is_still_a_change() -> None:
    assert _lazy(LAZY_CAND.replace(").eval()", ").train()")), "another value"
    other = LAZY_CAND.replace("        from transformers import", "        from my_clip import")
    assert _lazy(other), "the same name from another module"
    uncached = LAZY_CAND.replace("    if lang_emb_model is None:\n", "    if True:\n")
    assert _lazy(uncached), "no `is None` cache"


FIELD_BASE = """
from pydantic import BaseModel


class Model(BaseModel):
    name: str
    trainable: bool = False


class TrainableModel(Model):
    base_model: str
    trainable: bool = True

    def step(self):
        return 1
"""

FIELD_CAND = """
from pydantic import BaseModel


class Model(BaseModel):
    name: str

    @property
    def trainable(self) -> bool:
        return False


class TrainableModel(Model):
    base_model: str

    def step(self):
        return 1

    @property
    def trainable(self) -> bool:
        "Whether the model trains."
        return True
"""

FIELD_TRAIN = """
from model import TrainableModel


def train(backend, opt, batches):
    model = TrainableModel(name="a", base_model="b")
    for b in batches:
        step = backend.step(model) if model.trainable else 0
        loss = backend.loss(b, step).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def _fields(cand: str, train: str = FIELD_TRAIN) -> list[str]:
    return [f"{f.severity.value} {f.title}" for f in flow_findings({"model.py": FIELD_BASE, "train.py": train},
                                                                    {"model.py": cand, "train.py": train})]


def test_a_constant_field_turned_into_a_property_of_that_constant_is_no_change() -> None:
    """ART 980684f9..080d8409 `src/art/model.py:165`: `TrainableModel.trainable: bool = True` (and `Model`'s
    `False`) -> `@property def trainable(self): return True` ("architecture path", #4)."""
    assert _fields(FIELD_CAND) == []


def test_a_property_of_another_constant_or_a_field_some_code_sets_is_still_a_change() -> None:
    assert _fields(FIELD_CAND.replace("return True", "return False")) == [
        "significant Behavioural change in the loss path: `TrainableModel`"]
    assert _fields(FIELD_CAND, FIELD_TRAIN.replace('base_model="b")', 'base_model="b", trainable=False)'))


ROLLOUT = """
from lang import get_lang_emb


def rollout(policy, env, steps):
    obs = env.reset()
    for _ in range(steps):
        emb = get_lang_emb("pick the cube")
        obs, reward, done, info = env.step(policy(obs, emb))
"""


def _modes(cand: str, rollout: str = ROLLOUT) -> list[str]:
    return [f.title for f in run_on({"lang.py": LAZY_BASE, "train.py": ROLLOUT},
                                    {"lang.py": cand, "train.py": rollout}, only={"train_eval_mode"}).findings]


def test_the_mode_a_lazy_loader_sets_on_what_it_builds_is_no_mode_change() -> None:
    """robomimic 2194b507..d309eaec `robomimic/utils/lang_utils.py:21`: the CLIP encoder's `.eval()` moved from
    import time into `_load_lang_emb_model`, reached from the rollout ("Module mode changed (rollout: train ->
    eval)", low, #5 once the loader itself was read as no change)."""
    # the rollout function itself changed in that range (a pair to compare): here one added statement
    assert _modes(LAZY_CAND, ROLLOUT.replace("    obs = env.reset()\n", "    obs = env.reset()\n    print(steps)\n")) == []


def test_a_policy_put_in_eval_mode_before_the_rollout_is_still_a_mode_change() -> None:
    assert _modes(LAZY_CAND, ROLLOUT.replace("    obs = env.reset()\n", "    policy.eval()\n    obs = env.reset()\n"))
