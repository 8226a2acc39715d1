"""Never silent on real-bug shapes (mined real bugs of issue 11, reproduced as small generated code):
each rule that makes a silent bug visible, with a negative of the same shape that changes nothing."""

from __future__ import annotations

from investigator.flow.classbody import coerced_kind
from investigator.models import AnalyzerResult, Finding, Severity
from tests.flow.support import flow_result as _run
from tests.flow.support import src as _src


def _files(files: dict[str, str]) -> dict[str, str]:
    return {k: _src(v) for k, v in files.items()}


def _edit(files: dict[str, str], path: str, old: str, new: str) -> dict[str, str]:
    assert old in files[path], old
    return {**files, path: files[path].replace(old, new)}


def _significant(result: AnalyzerResult) -> list[Finding]:
    return [f for f in result.findings if f.severity is Severity.significant]


def _one(result: AnalyzerResult, path: str, label: str) -> Finding:
    found = _significant(result)
    assert len(found) == 1, [f.title for f in result.findings]
    f = found[0]
    assert f.evidence[0].details["path"] == label, f.title
    assert any(loc.path == path for loc in f.locations)
    return f


# -- a builtin swapped is a change, not a rename (PufferLib team dones: all -> any) ------------------
TEAM = _files({
    "envs.py": """
        class TeamEnv:
            def __init__(self, env):
                self.env = env

            def _post(self, dones):
                for team in dones:
                    dones[team] = all(dones[team].values())
                return dones

            def step(self, actions):
                obs, rewards, dones = self.env.step(actions)
                dones = self._post(dones)
                return obs, rewards, dones
    """,
    "train.py": """
        from envs import TeamEnv

        def train(env, agent, optimizer):
            env = TeamEnv(env)
            obs = env.reset()
            for _ in range(10):
                obs, rewards, dones = env.step(agent.act(obs))
                loss = agent.loss(obs, rewards, dones)
                loss.backward()
                optimizer.step()
    """,
})


def test_builtin_swapped_is_a_change_not_a_rename():
    result = _run(TEAM, _edit(TEAM, "envs.py", "all(dones[team]", "any(dones[team]"))
    f = _one(result, "envs.py", "environment")
    assert "any(" in f.evidence[0].summary


def test_consistent_local_rename_is_still_no_change():
    renamed = _edit(TEAM, "envs.py", "for team in dones:\n            dones[team] = all(dones[team].values())",
                    "for group in dones:\n            dones[group] = all(dones[group].values())")
    assert _run(TEAM, renamed).findings == []


# -- a statement moved across one it depends on is a change (CORL DT padding mask) --------------------
DATASET = _files({
    "data.py": """
        import numpy as np

        class SequenceDataset:
            def __init__(self, trajs, seq_len):
                self.trajs = trajs
                self.seq_len = seq_len

            def _sample(self, i):
                states = self.trajs[i]
                actions = self.trajs[i] * 2
                mask = np.hstack([np.ones(states.shape[0]), np.zeros(self.seq_len - states.shape[0])])
                if states.shape[0] < self.seq_len:
                    states = pad(states, self.seq_len)
                scale = 1.0
                return states, actions, mask * scale

            def __iter__(self):
                while True:
                    yield self._sample(np.random.randint(len(self.trajs)))
    """,
    "train.py": """
        from torch.utils.data import DataLoader
        from data import SequenceDataset

        def train(trajs, model, optimizer):
            dataset = SequenceDataset(trajs, 20)
            loader = iter(DataLoader(dataset, batch_size=8))
            for step in range(100):
                states, actions, mask = next(loader)
                loss = ((model(states) - actions) ** 2 * mask).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    """,
})
MASK = "        mask = np.hstack([np.ones(states.shape[0]), np.zeros(self.seq_len - states.shape[0])])\n"


def test_statement_moved_after_a_redefinition_it_reads_is_a_change_reaching_the_loss_through_iteration():
    moved = DATASET["data.py"].replace(MASK, "").replace("        scale = 1.0\n", MASK + "        scale = 1.0\n")
    result = _run(DATASET, {**DATASET, "data.py": moved})
    f = _one(result, "data.py", "loss")
    assert "mask = " in f.evidence[0].summary


def test_independent_statements_reordered_are_no_change():
    swapped = DATASET["data.py"].replace(
        "        states = self.trajs[i]\n        actions = self.trajs[i] * 2\n",
        "        actions = self.trajs[i] * 2\n        states = self.trajs[i]\n")
    assert _run(DATASET, {**DATASET, "data.py": swapped}).findings == []


HOIST = _files({
    "critic.py": """
        def value_loss(values, old, ret, clip, norm):
            if norm is not None:
                clipped = old + (values - old).clamp(-clip, clip)
                err = norm(ret) - clipped
            else:
                clipped = old + (values - old).clamp(-clip, clip)
                err = ret - clipped
            return (err ** 2).mean()

        def update(values, batch, clip, norm, optimizer):
            loss = value_loss(values, batch.old, batch.ret, clip, norm)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    """,
})


def test_statement_both_branches_shared_hoisted_above_the_if_is_no_change():
    clipped = "        clipped = old + (values - old).clamp(-clip, clip)\n"
    hoisted = HOIST["critic.py"].replace(clipped, "").replace("    if norm is not None:\n",
                                                            clipped.replace("        ", "    ", 1)
                                                            + "    if norm is not None:\n")
    assert hoisted.count("clamp") == 1
    assert _significant(_run(HOIST, {"critic.py": hoisted})) == []


# -- what a loop accumulates is an effect (d3rlpy bootstrapped ensemble loss) -------------------------
ENSEMBLE = _files({
    "q.py": """
        import torch

        class Ensemble:
            def __init__(self, heads, bootstrap):
                self.heads = heads
                self.bootstrap = bootstrap

            def compute_error(self, obs, target):
                td_sum = 0.0
                for head in self.heads:
                    loss = (head(obs) - target) ** 2
                    if self.bootstrap:
                        mask = torch.randint(0, 2, loss.shape)
                        loss = loss * mask
                        td_sum += loss.sum() / (mask.sum() + 1e-10)
                    else:
                        td_sum += loss.mean()
                return td_sum
    """,
    "train.py": """
        from q import Ensemble

        def update(q, optimizer, obs, target):
            loss = q.compute_error(obs, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    """,
})


def test_change_that_only_feeds_a_loop_accumulator_is_reported():
    cand = _edit(ENSEMBLE, "q.py", """                td_sum += loss.sum() / (mask.sum() + 1e-10)
            else:
                td_sum += loss.mean()
""", """
            td_sum += loss.mean()
""")
    result = _run(ENSEMBLE, cand)
    assert len(_significant(result)) == 1
    assert any(loc.path == "q.py" for loc in result.findings[0].locations)


def test_named_intermediate_inside_the_loop_is_still_no_change():
    cand = _edit(ENSEMBLE, "q.py", "                td_sum += loss.mean()\n",
                 "                mean = loss.mean()\n                td_sum += mean\n")
    result = _run(ENSEMBLE, cand)
    assert result.findings == []


# -- environments taken from a collection; attributes stored into objects of unknown class ------------
RUNNER = _files({
    "sampling.py": """
        import numpy as np

        class ActorState:
            def __init__(self):
                self.last_actions = None
                self.label = ""

            def curr_actions(self, sizes):
                out = []
                for split in np.split(self.last_actions, np.cumsum(sizes)[:-1]):
                    out.append(split)
                return out

            def describe(self):
                print(self.label)

        class Runner:
            def __init__(self, envs, sizes):
                self.envs = envs
                self.sizes = sizes
                self.states = [ActorState() for _ in envs]

            def process(self, outputs):
                for i, state in enumerate(self.states):
                    state.last_actions = outputs[i]
                    state.label = "actor"

            def advance(self):
                for i, e in enumerate(self.envs):
                    actions = self.states[i].curr_actions(self.sizes)
                    obs, rew, done, info = e.step(actions)

        def sample(envs, sizes, policy):
            runner = Runner(envs, sizes)
            while True:
                runner.process(policy())
                runner.advance()
    """,
})


def test_action_split_reaches_the_step_of_an_env_taken_from_the_env_list():
    result = _run(RUNNER, _edit(RUNNER, "sampling.py", "np.cumsum(sizes)[:-1]", "sizes"))
    _one(result, "sampling.py", "environment")


def test_attribute_stored_into_an_object_reaches_the_method_reading_it():
    result = _run(RUNNER, _edit(RUNNER, "sampling.py", "state.last_actions = outputs[i]",
                                "state.last_actions = outputs[i].squeeze()"))
    _one(result, "sampling.py", "environment")


def test_attribute_stored_for_printing_only_is_no_finding():
    result = _run(RUNNER, _edit(RUNNER, "sampling.py", 'state.label = "actor"', 'state.label = "agent"'))
    assert _significant(result) == []


# -- a line search: parameters written directly, under a changed condition (HARL HATRPO ratio) -------
TRPO = _files({
    "trpo.py": """
        import torch

        def update_model(model, new_params):
            index = 0
            for p in model.parameters():
                n = p.numel()
                p.data.copy_(new_params[index:index + n].view(p.size()))
                index += n

        def line_search(actor, params, full_step, old_logp, adv, loss, expected):
            flag = False
            for i in range(10):
                update_model(actor, params + full_step * 0.5 ** i)
                logp = actor.log_prob()
                ratio = torch.prod(torch.exp(logp - old_logp), dim=-1, keepdim=True)
                new_loss = (ratio * adv).mean()
                improve = new_loss - loss
                if improve / expected > 0.1:
                    flag = True
                    break
            if not flag:
                update_model(actor, params)
                print("line search failed")
            return improve

        def update(actor, batch):
            improve = line_search(actor, batch.params, batch.step, batch.logp, batch.adv, batch.loss, batch.expected)
            return {"improve": improve}
    """,
})


def test_ratio_that_only_decides_a_line_search_reaches_the_parameter_update():
    result = _run(TRPO, _edit(TRPO, "trpo.py", "ratio = torch.prod(torch.exp(logp - old_logp), dim=-1, keepdim=True)",
                              "ratio = torch.exp(logp - old_logp)"))
    _one(result, "trpo.py", "loss")


def test_line_search_message_change_is_no_finding():
    result = _run(TRPO, _edit(TRPO, "trpo.py", '"line search failed"', '"no improvement"'))
    assert result.findings == []


# -- what a network computes (PufferLib observation offsets decoded in the policy) --------------------
POLICY = _files({
    "decode.py": """
        import numpy as np

        def layout(fields):
            out, offset = {}, 0
            for name, size, align in fields:
                out[name] = (offset, size)
                offset += size
            return out

        def unpack(x, layout):
            return {k: x[:, o:o + n] for k, (o, n) in layout.items()}
    """,
    "policy.py": """
        import torch.nn as nn
        from decode import layout, unpack

        class Policy(nn.Module):
            def __init__(self, fields, hidden):
                super().__init__()
                self.layout = layout(fields)
                self.net = nn.Linear(hidden, hidden)

            def forward(self, x):
                parts = unpack(x, self.layout)
                return self.net(parts["obs"])
    """,
})


def test_offset_change_reaches_the_network_computation():
    result = _run(POLICY, _edit(POLICY, "decode.py", "offset += size", "offset += align"))
    _one(result, "decode.py", "architecture")


def test_unused_helper_change_is_no_finding():
    files = {**POLICY, "decode.py": POLICY["decode.py"] + "\n\ndef describe(fields):\n    print(len(fields))\n"}
    result = _run(files, _edit(files, "decode.py", "print(len(fields))", "print(fields)"))
    assert _significant(result) == []


# -- hyper-parameter defaults: parameter defaults and class-body fields -------------------------------
ALGO = _files({
    "algo.py": """
        from typing import Optional
        from impl import Impl

        class TD3PlusBC:
            def __init__(self, lr: float = 3e-4, alpha: float = 2.5, name=None):
                self._alpha = alpha
                self._lr = lr

            def create_impl(self):
                self._impl = Impl(alpha=self._alpha, lr=self._lr)

        def make():
            algo = TD3PlusBC()
            algo.create_impl()
            return algo
    """,
    "impl.py": """
        import torch

        class Impl:
            def __init__(self, alpha, lr):
                self._alpha = alpha
                self._lr = lr

            def compute_actor_loss(self, q, bc):
                lam = self._alpha / q.abs().mean().detach()
                return lam * -q.mean() + bc

            def update_actor(self, q, bc, optim):
                loss = self.compute_actor_loss(q, bc)
                optim.zero_grad()
                loss.backward()
                optim.step()
    """,
})


def test_changed_parameter_default_reaches_the_loss_through_the_constructor():
    result = _run(ALGO, _edit(ALGO, "algo.py", "alpha: float = 2.5", "alpha: float = 0.25"))
    f = _one(result, "algo.py", "loss")
    assert "alpha = 0.25" in f.evidence[0].summary


def test_parameter_default_annotation_or_added_default_is_no_finding():
    retyped = _edit(ALGO, "algo.py", "alpha: float = 2.5", "alpha: Optional[float] = 2.5")
    assert _run(ALGO, retyped).findings == []
    # a default added binds no existing caller (every caller passes the keyword-only `name`)
    named = _edit(ALGO, "algo.py", "algo = TD3PlusBC()", "algo = TD3PlusBC(name='td3')")
    no_default = _edit(named, "algo.py", "name=None", "*, name")
    with_default = _edit(named, "algo.py", "name=None", "*, name=None")
    assert _run(no_default, with_default).findings == []


CONFIG = _files({
    "train.py": """
        from dataclasses import dataclass
        from typing import Optional
        import torch
        import wandb

        @dataclass
        class TrainConfig:
            project: str = "CORL"
            seed: Optional[int] = 0
            policy_lr: float = 3e-5
            num_epochs: int = 3000
            batch_size: int = 256

        def train(config: TrainConfig, buffer, actor, trainer):
            wandb.init(project=config.project)
            optimizer = torch.optim.Adam(actor.parameters(), config.policy_lr)
            for epoch in range(config.num_epochs):
                batch = buffer.sample(config.batch_size)
                loss = trainer.loss(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

        if __name__ == "__main__":
            train(TrainConfig(), None, None, None)
    """,
})


def test_dataclass_field_default_is_a_training_setting():
    # the number of epochs only sets how many times the training loop runs: a training-length change (CORL
    # SAC-N `num_epochs` 250 -> 3000 was "the sampling path", after the buffer sample inside the loop)
    result = _run(CONFIG, _edit(CONFIG, "train.py", "num_epochs: int = 3000", "num_epochs: int = 250"))
    f = _one(result, "train.py", "schedule")
    assert "num_epochs: int = 250" in f.evidence[0].summary
    assert "training schedule (loop count)" in f.title and "how many times a training loop runs" in f.rationale


def test_a_value_used_inside_the_loop_keeps_its_own_place():
    # the batch size is read inside the epoch loop, not by its count: still the sampling path
    result = _run(CONFIG, _edit(CONFIG, "train.py", "batch_size: int = 256", "batch_size: int = 64"))
    f = _one(result, "train.py", "sampling")
    assert "schedule" not in f.title


def test_field_annotation_that_coerces_the_value_is_a_change():
    result = _run(CONFIG, _edit(CONFIG, "train.py", "policy_lr: float = 3e-5", "policy_lr: bool = 3e-5"))
    _one(result, "train.py", "optimizer")


def test_field_annotation_spelling_and_logging_fields_are_no_finding():
    respelled = _edit(CONFIG, "train.py", "seed: Optional[int] = 0", "seed: int | None = 0")
    assert _run(CONFIG, respelled).findings == []
    renamed_project = _edit(CONFIG, "train.py", 'project: str = "CORL"', 'project: str = "CORL-v2"')
    assert _significant(_run(CONFIG, renamed_project)) == []


def test_coerced_kind_reads_optional_unions_and_strings():
    import ast

    def kind(text: str) -> str:
        return coerced_kind(ast.parse(text, mode="eval").body)

    assert kind("Optional[float]") == kind("float | None") == kind("Union[float, None]") == kind("'float'") == "float"
    assert kind("bool") == "bool" and kind("List[float]") == "_" and kind("Union[int, str]") == "_"


# -- an annotation changed toward its default's type is a likely fix (CORL CQL `bool` -> `float`) -----
def test_field_annotation_fixed_toward_its_default_type_is_low():
    buggy = _edit(CONFIG, "train.py", "policy_lr: float = 3e-5", "policy_lr: bool = 3e-5")
    result = _run(buggy, CONFIG)
    (f,) = result.findings
    assert f.severity is Severity.low and "agree with their defaults" in f.title and "`policy_lr`" in f.title, f.title
    assert "a likely fix" in f.rationale


def test_field_annotation_away_from_its_default_type_or_with_the_value_changed_stays_significant():
    away = _run(CONFIG, _edit(CONFIG, "train.py", "policy_lr: float = 3e-5", "policy_lr: bool = 3e-5"))
    (f,) = away.findings
    assert f.severity is Severity.significant and "coerces its default" in f.title and "`policy_lr`" in f.title
    assert f.confidence == 0.8 and "becomes `True`" in f.rationale
    buggy = _edit(CONFIG, "train.py", "policy_lr: float = 3e-5", "policy_lr: bool = 3e-5")
    both = _run(buggy, _edit(CONFIG, "train.py", "policy_lr: float = 3e-5", "policy_lr: float = 1e-4"))
    assert [f.severity for f in both.findings] == [Severity.significant], [f.title for f in both.findings]
    assert "Behavioural change in the optimizer path" in both.findings[0].title  # the value changed too
    # `str` -> `bool` on a float default: neither agrees with the default, so nothing says "fix"
    as_str = _edit(CONFIG, "train.py", "policy_lr: float = 3e-5", "policy_lr: str = 3e-5")
    to_bool = _run(as_str, _edit(CONFIG, "train.py", "policy_lr: float = 3e-5", "policy_lr: bool = 3e-5"))
    assert [f.severity for f in to_bool.findings] == [Severity.significant]
    assert "Behavioural change in the optimizer path" in to_bool.findings[0].title
