"""Noise that outranked real regressions on the mined real-bug benchmark (`--baseline fix`), each a
behaviour-preserving edit of a real later commit reported as "Behavioural change in the <path> path".

Real shapes (rl_games and rsl_rl, read against their diffs): a replay buffer's `dtype=np.bool` ->
`dtype=bool` (NumPy 1.24 removed the alias); `ray.get(...)` -> `self.ray.get(...)` with `import ray`
moved into the class body; `storage.add_transitions(t)` -> `storage.add_transition(t)` where the
storage's method itself was renamed; sample-factory's minibatch slices `tuple(...)` -> `list(...)`;
d3rlpy's `EnsembleQFunction.compute_error`, a network method returning the TD loss to the algorithm,
labelled "architecture path". Each has a negative twin that is a real change (or stays where it was)."""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.support import flow_findings as _findings
from tests.flow.support import pair_index
from tests.flow.support import src as _src

BUFFER = """
    import numpy as np


    class ReplayBuffer:
        def __init__(self, size):
            self.obs = np.zeros((size, 4), dtype=np.float32)
            self.dones = np.zeros(size, dtype=DTYPE)
            self.idx = 0

        def add(self, obs, done):
            self.obs[self.idx] = obs
            self.dones[self.idx] = done
            self.idx += 1

        def sample(self, n):
            i = np.random.choice(self.idx, n)
            return self.obs[i], self.dones[i]


    def train(critic, optimizer, data):
        buffer = ReplayBuffer(1000)
        for obs, done in data:
            buffer.add(obs, done)
            b_obs, b_dones = buffer.sample(32)
            loss = (critic(b_obs) * (1 - b_dones)).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _buffer(dtype: str) -> dict[str, str]:
    return {"buffer.py": BUFFER.replace("DTYPE", dtype)}


def test_numpy_alias_of_a_builtin_type_is_no_change():
    assert _findings(_buffer("np.bool"), _buffer("bool")) == []


def test_another_dtype_is_a_change():
    found = _findings(_buffer("np.bool"), _buffer("np.float32"))
    assert len(found) == 1 and "ReplayBuffer.__init__" in found[0].title, [f.title for f in found]
    found = _findings(_buffer("np.bool_"), _buffer("np.int8"))
    assert len(found) == 1, [f.title for f in found]


STORAGE = """
    import torch


    class RolloutStorage:
        def __init__(self, n):
            self.obs = torch.zeros(n, 4)
            self.rewards = torch.zeros(n)
            self.step = 0

        def ADD(self, transition):
            self.obs[self.step].copy_(transition.obs)
            self.rewards[self.step].copy_(transition.reward)
            self.step += 1

        def batches(self):
            idx = torch.randperm(self.step)
            yield self.obs[idx], self.rewards[idx]
"""

ALGO = """
    from storage import RolloutStorage


    class PPO:
        def __init__(self, policy, optimizer):
            self.policy = policy
            self.optimizer = optimizer
            self.storage = RolloutStorage(64)

        def process_env_step(self, transition):
            self.storage.CALL(transition)

        def update(self):
            for obs, rewards in self.storage.batches():
                loss = -(self.policy(obs) * rewards).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()


    def learn(policy, optimizer, env, steps):
        alg = PPO(policy, optimizer)
        for _ in range(steps):
            alg.process_env_step(env.step(policy.act()))
        alg.update()
"""


def _ppo(defined: str, called: str) -> dict[str, str]:
    return {"storage.py": STORAGE.replace("ADD", defined), "algo.py": ALGO.replace("CALL", called)}


def test_a_call_renamed_with_its_method_is_no_change():
    assert _findings(_ppo("add_transitions", "add_transitions"), _ppo("add_transition", "add_transition")) == []


def test_a_call_of_another_method_is_a_change():
    """The method renamed, but the caller now calls a different one (`clear`): a change of the caller."""
    base = _ppo("add_transitions", "add_transitions")
    cand = _ppo("add_transition", "clear")
    cand["storage.py"] = _src(cand["storage.py"]).replace(
        "    def batches(self):", "    def clear(self, transition):\n        self.step = 0\n\n    def batches(self):")
    titles = [f.title for f in _findings(base, cand)]
    assert any("PPO.process_env_step" in t for t in titles), titles


VECENV = """
    import ray


    class Worker:
        def step(self, action):
            return action


    class RayVecEnv:
        def __init__(self, n):
            self.workers = [ray.remote(Worker).remote() for _ in range(n)]

        def step(self, actions):
            res = [w.step.remote(a) for w, a in zip(self.workers, actions)]
            return ray.get(res)


    def train(policy, optimizer, steps):
        env = RayVecEnv(4)
        for _ in range(steps):
            obs, rewards = env.step(policy.act())
            loss = -(policy.logp(obs) * rewards).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _class_import(init: str = "") -> str:
    """`import ray` moved into the class body, every `ray.f(...)` written `self.ray.f(...)`."""
    text = _src(VECENV).replace("import ray\n", "").replace("class RayVecEnv:\n", "class RayVecEnv:\n    import ray\n\n")
    text = text.replace("ray.remote(Worker)", "self.ray.remote(Worker)").replace("return ray.get", "return self.ray.get")
    return text.replace("        self.workers =", init + "        self.workers =")


def test_a_class_body_import_read_through_self_is_the_module():
    assert _findings({"vecenv.py": VECENV}, {"vecenv.py": _class_import()}) == []


def test_an_instance_attribute_of_that_name_is_another_object():
    """A method sets `self.ray` (a client object): `self.ray.get` is that object's method, a change."""
    cand = "import ray\n" + _class_import("        self.ray = ray.init(address='auto')\n")
    titles = [f.title for f in _findings({"vecenv.py": VECENV}, {"vecenv.py": cand})]
    assert any("RayVecEnv.step" in t for t in titles), titles


# -- a network method whose value the flow follows to the algorithm's loss is on the loss path -------
QFUNC = """
    import torch
    from torch import nn


    class EnsembleQFunction(nn.Module):
        def __init__(self, q_funcs):
            super().__init__()
            self._q_funcs = nn.ModuleList(q_funcs)
            self._head = nn.Linear(8, 1)

        def forward(self, x):
            return self._head(x)

        def compute_error(self, obs, act, target):
            td_sum = torch.tensor(0.0)
            for q in self._q_funcs:
                loss = (q(obs, act) - target) ** 2
                td_sum += loss.mean()
            return td_sum


    class DQNImpl:
        def __init__(self, q_funcs, lr):
            self._q_func = EnsembleQFunction(q_funcs)
            self._optim = torch.optim.Adam(self._q_func.parameters(), lr=lr)

        def update(self, batch):
            loss = self._q_func.compute_error(batch.obs, batch.act, batch.target)
            self._optim.zero_grad()
            loss.backward()
            self._optim.step()


    def fit(q_funcs, batches):
        impl = DQNImpl(q_funcs, 1e-3)
        for batch in batches:
            impl.update(batch)
"""


def test_a_network_method_returning_the_loss_is_on_the_loss_path():
    cand = {"q.py": QFUNC.replace("td_sum += loss.mean()", "td_sum += loss.sum()")}
    (f,) = _findings({"q.py": QFUNC}, cand)
    assert f.evidence[0].details["path"] == "loss" and "EnsembleQFunction.compute_error" in f.title, f.title


def test_a_network_forward_change_stays_architecture():
    cand = {"q.py": QFUNC.replace("return self._head(x)", "return self._head(torch.tanh(x))")}
    (f,) = _findings({"q.py": QFUNC}, cand)
    assert f.evidence[0].details["path"] == "architecture", f.title


# -- the same elements in another sequence type (sample-factory minibatch slices) --------------------
LEARNER = """
    import torch


    class Learner:
        def __init__(self, policy, optimizer, batch_size, n):
            self.policy, self.optimizer, self.batch_size, self.n = policy, optimizer, batch_size, n

        def _get_minibatches(self):
            return tuple(slice(i * self.batch_size, (i + 1) * self.batch_size) for i in range(self.n))

        def train(self, buffer):
            for mb in self._get_minibatches():
                loss = -(self.policy(buffer.obs[mb]) * buffer.adv[mb]).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()


    def run(policy, optimizer, buffers):
        learner = Learner(policy, optimizer, 64, 4)
        for b in buffers:
            learner.train(b)
"""


def test_tuple_to_list_of_the_same_elements_is_no_change():
    assert _findings({"l.py": LEARNER}, {"l.py": LEARNER.replace("return tuple(slice", "return list(slice")}) == []


def test_another_container_or_other_elements_is_a_change():
    as_set = LEARNER.replace("return tuple(slice", "return set(slice")
    assert len(_findings({"l.py": LEARNER}, {"l.py": as_set})) == 1
    reversed_ = LEARNER.replace("return tuple(slice", "return list(reversed(slice").replace(
        "for i in range(self.n))", "for i in range(self.n)))")
    assert len(_findings({"l.py": LEARNER}, {"l.py": reversed_})) == 1


def test_a_network_method_next_to_a_layer_finding_is_that_finding_s_concern():
    """A detector already reported the network's layer a few lines above: the network method's change
    is the same concern, even when the flow follows its value to the loss (d3rlpy policies.py)."""
    from investigator.flow.analyzer import Explained

    cand = {"q.py": QFUNC.replace("td_sum += loss.mean()", "td_sum += loss.sum()")}
    line = _src(cand["q.py"]).splitlines().index("        self._head = nn.Linear(8, 1)") + 1
    index = pair_index({"q.py": QFUNC}, cand)
    assert len(analyse(index, Explained(near={("candidate", "q.py"): [(line, "env")]})).findings) == 1  # another concern
    assert analyse(index, Explained(near={("candidate", "q.py"): [(line, "architecture")]})).findings == []


def test_a_network_definition_stays_architecture_even_when_its_layer_is_called_explicitly():
    """`self._head = MLP(8, 1)` -> `MLP(16, 1)` (a project network class, not a layer the statement's own
    content names) reaches the loss through an explicit `self._head(obs)` in `compute_error`: still the
    network's definition, the architecture path (rsl_rl's teacher MLP input size)."""
    mlp = "class MLP(nn.Module):\n        def __init__(self, n_in, n_out):\n            super().__init__()\n" \
          "            self.fc = nn.Linear(n_in, n_out)\n\n\n    class EnsembleQFunction"
    base = QFUNC.replace("loss = (q(obs, act) - target) ** 2", "loss = (self._head(obs) - target) ** 2")
    base = base.replace("class EnsembleQFunction", mlp, 1).replace("self._head = nn.Linear(8, 1)", "self._head = MLP(8, 1)")
    cand = base.replace("self._head = MLP(8, 1)", "self._head = MLP(16, 1)")
    (f,) = _findings({"q.py": base}, {"q.py": cand})
    assert f.evidence[0].details["path"] == "architecture" and "__init__" in f.title, f.title
