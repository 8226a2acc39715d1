"""A method handed as a value to a helper that runs it (`maybe_await(self.env_response, ...)`), and a base class
whose calls to an overridden method sit past the first mentions of a common name.

Real shape: verifiers 0305d0a8..39f0675a verifiers/envs/tool_env.py:80: `ToolEnv.env_response` now parses tool
calls given as dicts (`match tool_call: case ChatCompletionMessageToolCall(): ... case _: tool_call["function"]
["name"]`), where the baseline asserted the OpenAI class. `MultiTurnEnv.rollout` runs it as `env_msgs, state =
await maybe_await(self.env_response, rollout, state, **kwargs)` and `Environment` (verifiers/envs/environment.py)
calls `self.rollout(...)`, past the first 40 mentions of `rollout` (the repository's environments): "no caller of
`ToolEnv.env_response` found", then "no caller of `MultiTurnEnv.rollout`"."""

from __future__ import annotations

from tests.flow.support import flow_result

BASE = """
import inspect


async def maybe_await(fn, *args, **kwargs):
    out = fn(*args, **kwargs)
    return await out if inspect.isawaitable(out) else out


class Environment:
    def rollout(self, prompt):
        raise NotImplementedError

    async def generate(self, prompts):
        results = []
        for p in prompts:
            completion = await self.rollout(p)
            results.append(completion)
        return results


class MultiTurnEnv(Environment):
    async def env_response(self, messages):
        return []

    async def rollout(self, prompt):
        completion = [prompt]
        env_msgs = await maybe_await(self.env_response, completion)
        completion += env_msgs
        return completion
"""

TOOL = """
import json

from envs.base import MultiTurnEnv


class ToolEnv(MultiTurnEnv):
    async def env_response(self, messages):
        out = []
        for call in messages[-1]["tool_calls"]:
            name = call.function.name
            out.append({"role": "tool", "content": self.tools[name](**json.loads(call.function.arguments))})
        return out
"""

TOOL_DICTS = TOOL.replace("            name = call.function.name\n",
                          "            name = call.function.name if hasattr(call, 'function') else call['function']['name']\n")

TRAIN = """
from envs.tools import ToolEnv


def train(model, prompts):
    env = ToolEnv()
    for batch in env.generate(prompts):
        loss = model.nll(batch)
        loss.backward()
"""


def _result(base: str, tool: str, tool_cand: str, extra: dict[str, str] | None = None):
    files = {"envs/base.py": base, "train.py": TRAIN, **(extra or {})}
    return flow_result({**files, "envs/tools.py": tool}, {**files, "envs/tools.py": tool_cand})


def _placed(result) -> list[str]:
    return [f.title for f in result.findings if "ToolEnv.env_response" in f.title]


def test_a_method_run_by_a_helper_reaches_the_rollout() -> None:
    result = _result(BASE, TOOL, TOOL_DICTS)
    assert _placed(result), ([f.title for f in result.findings], [n.reason for n in result.no_effect])


def test_a_method_handed_from_an_unrelated_class_is_no_caller() -> None:
    """`self.env_response` handed on in a class that neither is nor derives from `ToolEnv`'s family (the negative):
    that `self` holds another object."""
    base = BASE.replace("class MultiTurnEnv(Environment):", "class MultiTurnEnv:").replace(
        "class ToolEnv(MultiTurnEnv):", "class ToolEnv:")
    tool, cand = (t.replace("class ToolEnv(MultiTurnEnv):", "class ToolEnv:") for t in (TOOL, TOOL_DICTS))
    result = _result(base, tool, cand)
    assert not _placed(result), [f.title for f in result.findings]


def test_a_base_class_calling_the_override_is_a_caller_past_the_mention_cut() -> None:
    """45 other modules mention `rollout` before the base class's module in file order, and the override lives in
    another module: the base's `self.rollout(...)` is still read as a caller of the override (`_ancestor_paths`)."""
    others = {f"aaa/env_{k:02d}.py": f"def rollout_{k}(x):\n    return x\n\n\ndef use_{k}(e):\n    return e.rollout(1)\n"
              for k in range(45)}
    cut = BASE.index("class MultiTurnEnv(Environment):")
    files = {**others, "zz/base.py": BASE[:cut], "train.py": TRAIN,
             "envs/multiturn.py": "from zz.base import Environment, maybe_await\n\n\n" + BASE[cut:]}
    tool, cand = (t.replace("from envs.base import", "from envs.multiturn import") for t in (TOOL, TOOL_DICTS))
    result = flow_result({**files, "envs/tools.py": tool}, {**files, "envs/tools.py": cand})
    assert _placed(result), ([f.title for f in result.findings], [n.reason for n in result.no_effect])
