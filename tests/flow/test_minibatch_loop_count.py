"""A changed count of a loop that slices minibatches and trains on each, through a training call the flow cannot follow.

Real shape (precision held-out 19, coach ba20396f..2c60cb5a rl_coach/agents/clipped_ppo_agent.py:226):
`ClippedPPOAgent.train_network`'s `for i in range(int(batch.size / self.ap.network_wrappers['main'].batch_size)):`
-> `range(math.ceil(...))`, the body slicing `batch.actions()[start:end]` and training through
`self.networks['main'].train_and_sync_networks(...)` (TensorFlow session runs): filed low, "Behavioural change in the
environment path" (the body's `batch.states(...)` followed by name into the acting loop). Negatives: the same loop
in an evaluation function that only predicts stays off the flow; a loop over agents (no slice) is not this rule.
"""

from __future__ import annotations

from tests.flow.support import flow_result

AGENT = """
    import math


    class Batch:
        def __init__(self, transitions):
            self.transitions = transitions
            self.size = len(transitions)

        def actions(self):
            return [t.action for t in self.transitions]

        def states(self):
            return [t.state for t in self.transitions]


    class Agent:
        def __init__(self, networks, batch_size):
            self.networks = networks
            self.batch_size = batch_size
            self.log = []

        def train_network(self, batch, epochs):
            for j in range(epochs):
                for i in range({count}):
                    start = i * self.batch_size
                    end = (i + 1) * self.batch_size
                    actions = batch.actions()[start:end]
                    states = batch.states()[start:end]
                    loss = self.networks['main'].train_and_sync_networks(states, actions)
                    self.log.append(loss)

        def evaluate_network(self, batch):
            scores = []
            for i in range({eval_count}):
                start = i * self.batch_size
                end = (i + 1) * self.batch_size
                scores.append(self.networks['main'].predict(batch.states()[start:end]))
            return scores

        def train_agents(self, batch):
            for i in range({agent_count}):
                self.networks[i].train_and_sync_networks(batch.states(), batch.actions())
"""

MAIN = """
    from agent import Agent, Batch


    def main(networks, transitions):
        agent = Agent(networks, 32)
        batch = Batch(transitions)
        agent.train_network(batch, 4)
        print(agent.evaluate_network(batch))
        agent.train_agents(batch)


    if __name__ == "__main__":
        main(None, [])
"""

FLOOR = "int(batch.size / self.batch_size)"
CEIL = "math.ceil(batch.size / self.batch_size)"


def _result(count: tuple[str, str] = (FLOOR, FLOOR), eval_count: tuple[str, str] = (FLOOR, FLOOR),
            agent_count: tuple[str, str] = ("2", "2")):
    files = [{"agent.py": AGENT.replace("{count}", count[k]).replace("{eval_count}", eval_count[k])
              .replace("{agent_count}", agent_count[k]), "main.py": MAIN} for k in (0, 1)]
    return flow_result(files[0], files[1])


def test_a_minibatch_loop_rounding_up_its_count_is_a_significant_sampling_change() -> None:
    result = _result(count=(FLOOR, CEIL))
    hits = [f for f in result.findings if "train_network" in f.title]
    assert hits and hits[0].severity.value == "significant", \
        ([f.title for f in result.findings], [n.title for n in result.no_effect])
    assert "sampling path" in hits[0].title, hits[0].title
    assert "partial minibatch" in hits[0].rationale and "train_and_sync_networks" in hits[0].rationale


def test_the_same_loop_in_an_evaluation_function_stays_off_the_flow() -> None:
    result = _result(eval_count=(FLOOR, CEIL))
    assert not [f for f in result.findings if "evaluate_network" in f.title and f.severity.value != "low"], \
        [f.title for f in result.findings]
    assert not [f for f in result.findings if "minibatches the loop slices" in f.rationale]


def test_a_loop_over_agents_that_slices_nothing_is_not_this_rule() -> None:
    result = _result(agent_count=("2", "3"))
    assert not [f for f in result.findings if "minibatches the loop slices" in f.rationale], \
        [(f.title, f.rationale) for f in result.findings]
