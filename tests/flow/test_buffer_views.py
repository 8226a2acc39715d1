"""A view of a shared buffer kept in an attribute and written through elsewhere (real shape: rlpyt's
alternating GPU sampler keeps `(samples_np.agent.bootstrap_value[0, :half], ...[0, half:])` as
`self.bootstrap_value_pair`; a mixin's action server writes `self.bootstrap_value_pair[alt][:] = value`
and the algorithm reads the buffer as its return bootstrap). Names, not objects: the flow cannot follow
the alias, so the change was listed as "reaches nothing". What a view holds is what the buffer it slices
holds, and a bootstrap value is part of the return target: the change is on the target path."""

from __future__ import annotations

from tests.flow.support import flow_findings, flow_result

SAMPLER = """
    class SamplerBase:
        def initialize(self, agent, batch_b):
            self.half_b = batch_b // 2
            self._make_pairs()

        def _make_pairs(self):
            half_b = self.half_b
            self.obs_ready_pair = (self.sync.obs_ready[:half_b], self.sync.obs_ready[half_b:])
            self.bootstrap_value_pair = (self.samples_np.agent.bootstrap_value[0, :half_b],
                self.samples_np.agent.bootstrap_value[0, half_b:])
"""

SERVER = """
    class ActionServer:
        def serve_actions(self, itr):
            for alt in range(2):
                self.bootstrap_value_pair[alt][:] = self.agent.value(self.agent_inputs)
"""


TRAIN = """
    from sampler import SamplerBase
    from server import ActionServer


    class AlternatingSampler(ActionServer, SamplerBase):
        pass


    def main(agent, algo, runs):
        sampler = AlternatingSampler()
        sampler.initialize(agent, 8)
        for itr in range(runs):
            sampler.serve_actions(itr)
            algo.optimize_agent(sampler.samples_pyt)
"""
BASE = {"sampler.py": SAMPLER, "server.py": SERVER, "train.py": TRAIN}


def _cand(old: str, new: str) -> dict[str, str]:
    return {**BASE, "sampler.py": SAMPLER.replace(old, new)}


def test_a_view_of_a_bootstrap_buffer_sliced_otherwise_is_a_target_change() -> None:
    findings = flow_findings(BASE,
                             _cand("bootstrap_value[0, :half_b]", "bootstrap_value[:half_b]"))
    assert len(findings) == 1, [f.title for f in findings]
    f = findings[0]
    assert "target" in f.title.lower() or "target" in f.rationale.lower(), (f.title, f.rationale)
    lines = {(loc.side, loc.line) for loc in f.evidence[0].locations}
    assert ("candidate", 9) in lines, lines


def test_a_view_of_a_neutral_buffer_is_still_not_on_the_flow() -> None:
    result = flow_result(BASE,
                         _cand("self.sync.obs_ready[:half_b]", "self.sync.obs_ready[:half_b + 1]"))
    assert result.findings == [], [f.title for f in result.findings]
    assert any("obs_ready" in n.title for n in result.no_effect)


def test_a_bootstrap_value_only_printed_is_logging() -> None:
    base = """
        def report(bootstrap_value, step):
            print("bootstrap", bootstrap_value.mean(), step)
    """
    cand = base.replace(".mean()", ".max()")
    assert flow_findings({"log.py": base}, {"log.py": cand}) == []


def test_a_neutrally_named_view_takes_the_place_of_the_buffer_it_slices() -> None:
    sampler = SAMPLER.replace("self.bootstrap_value_pair = (self.samples_np.agent.bootstrap_value[0, :half_b],",
                              "self.half_pair = (self.samples_np.env.reward[0, :half_b],").replace(
        "self.samples_np.agent.bootstrap_value[0, half_b:])", "self.samples_np.env.reward[0, half_b:])")
    server = SERVER.replace("self.bootstrap_value_pair[alt][:] = self.agent.value(self.agent_inputs)",
                            "self.half_pair[alt][:] = self.env_reward")
    base = {**BASE, "sampler.py": sampler, "server.py": server}
    cand = {**base, "sampler.py": sampler.replace("reward[0, :half_b]", "reward[:half_b]")}
    findings = flow_findings(base, cand)
    assert len(findings) == 1, [f.title for f in findings]
    assert "reward" in (findings[0].title + findings[0].rationale).lower()


def test_a_computation_on_a_slice_is_not_a_view() -> None:
    sampler = SAMPLER.replace("self.obs_ready_pair = (self.sync.obs_ready[:half_b], self.sync.obs_ready[half_b:])",
                              "self.ready_count = self.sync.rewards_ready[:half_b].sum()")
    base = {**BASE, "sampler.py": sampler}
    cand = {**base, "sampler.py": sampler.replace("[:half_b].sum()", "[half_b:].sum()")}
    result = flow_result(base, cand)
    assert result.findings == [], [f.title for f in result.findings]
