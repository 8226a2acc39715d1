"""A new hook parameter whose default is the identity function keeps every call the baseline made.

Real shape (dopamine 7ec9c158..a9911ec0): `JaxDQNAgent.__init__` gained `preprocess_fn=None` with `if preprocess_fn
is None: ...; self.preprocess_fn = networks.identity_preprocess_fn else: ...`, and its methods now pass
`self.preprocess_fn(self.state)` / `states = self.preprocess_fn(replay['state'])` where they passed the state:
three significant loss/environment-path findings. Negatives: a default hook that scales its input, a branch on the
new parameter that changes the network at its default."""

from __future__ import annotations

from tests.flow.support import flow_findings

NETWORKS = """
    def identity_preprocess_fn(x):
        return x


    def scaled_preprocess_fn(x):
        return x / 255.0
"""
AGENT = """
    import torch

    import networks


    class Agent:
        def __init__(self, network, num_actions{param}):
{init}
            self.optimizer = torch.optim.Adam(self.network.parameters())

        def act(self, state):
            return self.network({state}).argmax()

        def train_step(self, replay):
{states}
            loss = (self.network({arg}) - replay['target']).pow(2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


    agent = Agent(torch.nn.Linear, 4)
    for replay in load():
        agent.act(replay['state'])
        agent.train_step(replay)
"""
BASE = AGENT.format(param="", init="            self.network = network(num_actions)", state="state", states="",
                    arg="replay['state']")
HOOKED_INIT = """            if preprocess_fn is None:
                self.network = network(num_actions)
                self.preprocess_fn = networks.{default}
            else:
                self.network = network(num_actions, preprocessed=True)
                self.preprocess_fn = preprocess_fn"""


def _cand(default: str = "identity_preprocess_fn", init: str = HOOKED_INIT) -> str:
    return AGENT.format(param=", preprocess_fn=None", init=init.format(default=default),
                        state="self.preprocess_fn(state)",
                        states="            states = self.preprocess_fn(replay['state'])", arg="states")


def _titles(cand: str) -> list[str]:
    return [f.title for f in flow_findings({"networks.py": NETWORKS, "agent.py": BASE},
                                           {"networks.py": NETWORKS, "agent.py": cand}) if f.severity.value != "low"]


def test_an_identity_hook_at_its_default_is_the_baseline() -> None:
    assert _titles(_cand()) == []


def test_a_default_hook_that_changes_its_input_is_a_change() -> None:
    assert _titles(_cand("scaled_preprocess_fn"))


def test_a_branch_on_the_new_parameter_that_changes_the_network_is_a_change() -> None:
    init = HOOKED_INIT.replace("network(num_actions)\n", "network(num_actions, preprocessed=True)\n", 1)
    assert _titles(_cand(init=init))


LAMBDA_NETWORKS = "identity_preprocess_fn = lambda x: x\n"


def test_a_module_level_identity_lambda_and_a_log_line_of_the_option_keep_the_baseline() -> None:
    """dopamine: `identity_preprocess_fn = lambda x: x` and `logging.info('preprocess_fn: %s', preprocess_fn)`."""
    cand = _cand().replace("            if preprocess_fn is None:\n",
                           "            logging.info('preprocess_fn: %s', preprocess_fn)\n            if preprocess_fn is None:\n")
    cand = cand.replace("import torch\n", "import logging\n\n    import torch\n", 1)
    found = flow_findings({"networks.py": LAMBDA_NETWORKS, "agent.py": BASE}, {"networks.py": LAMBDA_NETWORKS, "agent.py": cand})
    assert [f.title for f in found if f.severity.value != "low"] == []
