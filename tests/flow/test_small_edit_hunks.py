"""A few changed statements in one or two hunks are one edit, ranked as a small change (0.7 before its place), not
as a rewrite (0.55). Real shapes: imitation's MCE IRL occupancy recursion re-indexed (`D = np.zeros((horizon,
n))`, `for t in range(1, horizon)`, `E = D[t - 1] * pi[t - 1]`, `D[t] += E @ T`: four statements of one hunk, the
final step's visitation dropped) ranked sixth, below one-statement optimizer/environment changes of the range;
trlx's PPO loss mask slice and the forward call beside it (five statements, two hunks) was fifteenth."""

from __future__ import annotations

from investigator.ranking import rank_findings
from tests.flow.support import flow_findings

IRL = """
    import numpy as np
    import torch as th


    def occupancy(T, pi, init, horizon):
        n_states, n_actions = T.shape[0], T.shape[1]
        D = np.zeros((horizon + 1, n_states))
        D[0, :] = init
        for t in range(horizon):
            for a in range(n_actions):
                E = D[t] * pi[t, :, a]
                D[t + 1, :] += E @ T[:, a, :]
        return D.sum(0)


    def draw_batch(data, batch_size=32):
        idx = np.random.randint(len(data), size=batch_size)
        return data[idx]


    class IRL:
        def __init__(self, net, optimizer, T, pi, init, expert, horizon=10):
            self.net, self.optimizer = net, optimizer
            self.T, self.pi, self.init, self.expert, self.horizon = T, pi, init, expert, horizon

        def train(self, data, steps=100):
            for _ in range(steps):
                visits = occupancy(self.T, self.pi, self.init, self.horizon)
                batch = draw_batch(data)
                weights = th.as_tensor(visits - self.expert)
                predicted_r = self.net(th.as_tensor(batch))
                loss = th.dot(weights, predicted_r)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()


    if __name__ == "__main__":
        from setup import make
        IRL(*make()).train([])
"""

SHIFTED = IRL.replace("D = np.zeros((horizon + 1, n_states))", "D = np.zeros((horizon, n_states))").replace(
    "for t in range(horizon):", "for t in range(1, horizon):").replace(
    "E = D[t] * pi[t, :, a]", "E = D[t - 1] * pi[t - 1, :, a]").replace(
    "D[t + 1, :] += E @ T[:, a, :]", "D[t, :] += E @ T[:, a, :]")
# a real one-statement change of the same range on the sampling path
DRAW = ("idx = np.random.randint(len(data), size=batch_size)", "idx = np.random.choice(len(data), size=batch_size)")


def _ranked(candidate: str) -> list[str]:
    return [f.title for f in rank_findings(flow_findings({"irl.py": IRL}, {"irl.py": candidate}))
            if f.source == "behavioural_change"]


def test_a_recursion_re_indexed_in_one_hunk_ranks_before_a_one_statement_sampling_change() -> None:
    titles = _ranked(SHIFTED.replace(*DRAW))
    assert titles[0].startswith("Behavioural change in the loss path: `occupancy` (4 statements)"), titles
    assert "draw_batch" in titles[1], titles


def test_statements_spread_over_three_hunks_stay_a_rewrite() -> None:
    # the same four statements with the function stretched: three hunks apart, a rewrite ranks after the small change
    filler = "\n".join(f"        n_{i} = {i}" for i in range(8))
    base = IRL.replace("        D[0, :] = init\n", f"        D[0, :] = init\n{filler}\n").replace(
        "        return D.sum(0)\n", f"{filler.replace('n_', 'm_')}\n        return D.sum(0)\n")
    cand = SHIFTED.replace("        D[0, :] = init\n", f"        D[0, :] = init\n{filler}\n").replace(
        "        return D.sum(0)\n", f"{filler.replace('n_', 'm_')}\n        D = D * 1.0\n        return D.sum(0)\n")
    cand = cand.replace("        D = np.zeros((horizon, n_states))\n",
                        "        D = np.zeros((horizon, n_states))\n" + filler.replace("n_", "k_") + "\n")
    base = base.replace("        D = np.zeros((horizon + 1, n_states))\n",
                        "        D = np.zeros((horizon + 1, n_states))\n" + filler.replace("n_", "k_") + "\n")
    found = [f for f in flow_findings({"irl.py": base}, {"irl.py": cand.replace(*DRAW)})
             if f.source == "behavioural_change"]
    occ = next(f for f in found if "`occupancy`" in f.title)
    draw = next(f for f in found if "`draw_batch`" in f.title)
    assert occ.confidence < draw.confidence, [(f.title, f.confidence) for f in found]


def test_a_compact_edit_of_an_outer_place_stays_a_rewrite() -> None:
    # four statements of one hunk on the sampling path (plumbing in real ranges: a job scheduler's status counters,
    # one call rewritten in six observation reads of an environment) keep the rewrite's confidence
    cand = IRL.replace("        idx = np.random.randint(len(data), size=batch_size)\n",
                       "        n = len(data)\n        size = batch_size\n        rng = np.random.default_rng()\n"
                       "        idx = rng.choice(n, size=size)\n")
    found = [f for f in flow_findings({"irl.py": IRL}, {"irl.py": cand}) if f.source == "behavioural_change"]
    draw = next(f for f in found if "`draw_batch`" in f.title)
    assert "sampling path" in draw.title and draw.confidence < 0.6, (draw.title, draw.confidence)


def test_a_few_statements_on_the_flow_inside_a_larger_rewrite_stay_a_rewrite() -> None:
    # skrl 2.0's `act` methods: a block rewritten around four statements the flow follows (the rest computes values
    # nothing reads) is a rewrite, not one edit
    extra = "\n".join(f"        print(\"step {i}\", D.shape)" for i in range(3))
    cand = SHIFTED.replace("        D[0, :] = init\n", f"        D[0, :] = init\n{extra}\n")
    found = [f for f in flow_findings({"irl.py": IRL}, {"irl.py": cand.replace(*DRAW)})
             if f.source == "behavioural_change"]
    occ = next(f for f in found if "`occupancy`" in f.title)
    assert occ.confidence < 0.6, (occ.title, occ.confidence)
