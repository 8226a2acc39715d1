"""A function's parameter read only by a closure nested in it reaches what the closure computes (real shape:
cleanrl's `ppo_atari_envpool_xla_jax_scan.py`, whose `update_ppo(agent_state, storage, key)` reads `storage`
only in its nested, scanned `update_epoch`: the returns of `compute_gae` read as "only logging")."""

from __future__ import annotations

from tests.flow.support import flow_findings

SCRIPT = """
    import torch


    def compute_returns(rewards, values):
        returns = rewards + 0.99 * values
        return returns


    def update(model, optimizer, obs, returns):
        def loss_fn():
            return ((model(obs) - returns) ** 2).mean()

        loss = loss_fn()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


    if __name__ == "__main__":
        from nets import make
        model, optimizer, batches = make()
        for obs, rewards, values in batches:
            returns = compute_returns(rewards, values)
            update(model, optimizer, obs, returns)
"""


def _significant(candidate: str) -> list[str]:
    return [f.title for f in flow_findings({"train.py": SCRIPT}, {"train.py": candidate})
            if f.severity.value == "significant"]


def test_a_parameter_read_by_a_nested_loss_reaches_the_loss() -> None:
    titles = _significant(SCRIPT.replace("rewards + 0.99 * values", "rewards + 0.9 * values"))
    assert any("compute_returns" in t for t in titles), titles


def test_a_closure_that_binds_the_name_itself_is_not_a_reader() -> None:
    # the nested loss takes its own `returns`: the caller's returns reach no loss
    rebound = SCRIPT.replace("def loss_fn():", "def loss_fn(returns):").replace(
        "loss = loss_fn()", "loss = loss_fn(torch.zeros(1))")
    changed = rebound.replace("rewards + 0.99 * values", "rewards + 0.9 * values")
    titles = [f.title for f in flow_findings({"train.py": rebound}, {"train.py": changed})
              if f.severity.value == "significant"]
    assert not any("compute_returns" in t for t in titles), titles
