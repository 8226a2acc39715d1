"""A function's finding that bundles changes at several places points at each changed statement.

Real shape (LightZero `train_muzero_with_gym_env`): the block that set `collect_kwargs['epsilon']` from the
epsilon-greedy schedule was removed, and an intervening commit changed the update loop's count
(`range(cfg.update_per_collect)` -> `range(update_per_collect)`) 15 lines below. Both went into one
"Behavioural change in the training schedule (loop count)" finding located at the loop-count edit only;
the removed epsilon lines were "(3 more)" in its evidence, so no location named them.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAIN = '''
def train(cfg, collector, buffer, policy, optimizer, get_epsilon_greedy_fn):
    collect_kwargs = {"temperature": 1.0}
    while True:
        if cfg.eps_greedy_exploration_in_collect:
            epsilon_greedy_fn = get_epsilon_greedy_fn(start=cfg.start, end=cfg.end, decay=cfg.decay)
            collect_kwargs["epsilon"] = epsilon_greedy_fn(collector.envstep)
        else:
            collect_kwargs["epsilon"] = 0.0
        new_data = collector.collect(policy_kwargs=collect_kwargs)
        n = sum(len(segment) for segment in new_data)
        update_per_collect = int(n * cfg.replay_ratio)
        buffer.push(new_data)
        for i in range(cfg.update_per_collect):
            batch = buffer.sample(cfg.batch_size, policy)
            loss = policy.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    train(None, None, None, None, None, None)
'''
EPSILON = '''        if cfg.eps_greedy_exploration_in_collect:
            epsilon_greedy_fn = get_epsilon_greedy_fn(start=cfg.start, end=cfg.end, decay=cfg.decay)
            collect_kwargs["epsilon"] = epsilon_greedy_fn(collector.envstep)
        else:
            collect_kwargs["epsilon"] = 0.0
'''


def _lines(found, side: str) -> set[int]:
    return {loc.line for f in found for e in f.evidence for loc in e.locations if loc.side == side and loc.line is not None}


def _train_findings(cand: str):
    return [f for f in flow_findings({"train.py": TRAIN}, {"train.py": cand}) if "`train`" in f.title]


def test_a_removed_block_bundled_with_a_loop_count_edit_is_located():
    cand = TRAIN.replace(EPSILON, "").replace("range(cfg.update_per_collect)", "range(update_per_collect)")
    found = _train_findings(cand)
    assert len(found) == 1, [f.title for f in found]
    epsilon_lines = {i + 1 for i, line in enumerate(TRAIN.lstrip("\n").splitlines()) if "epsilon" in line}
    assert epsilon_lines & _lines(found, "baseline"), ([f.locations for f in found], epsilon_lines)


def test_a_single_edit_keeps_a_single_location_per_side():
    found = _train_findings(TRAIN.replace("range(cfg.update_per_collect)", "range(update_per_collect)"))
    assert len(found) == 1 and len(found[0].evidence[0].locations) <= 2, [(f.title, f.evidence) for f in found]
