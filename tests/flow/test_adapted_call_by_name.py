"""A call on an object of unknown class (handed in) that only follows the changed signature of the project's method
of that name is adapted, not a change of its own. Real shape: garage's MAML calls
`self._inner_algo.process_samples(itr, paths)` -> `process_samples(paths)` after VPG's `process_samples(self, itr,
paths)` dropped `itr`; the inner algorithm is a constructor argument, so the call was not resolved and "Behavioural
change in the loss path: `MAML._process_samples`" was first of its range, above the real old-policy sync bug."""

from __future__ import annotations

from tests.flow.support import flow_findings

VPG = """
    import torch


    class VPG:
        def __init__(self, policy, optimizer):
            self.policy = policy
            self.optimizer = optimizer

        def process_samples(self, itr, paths):
            obs = torch.cat([p["obs"] for p in paths])
            returns = torch.cat([p["returns"] for p in paths])
            return obs, returns

        def compute_loss(self, obs, returns):
            return -(self.policy.log_prob(obs) * returns).mean()
"""

MAML = """
    class MAML:
        def __init__(self, inner_algo, meta_optimizer):
            self._inner_algo = inner_algo
            self._meta_optimizer = meta_optimizer

        def _process_samples(self, itr, paths):
            obs, returns = self._inner_algo.process_samples(itr, paths)
            return obs, returns

        def train_once(self, itr, paths):
            obs, returns = self._process_samples(itr, paths)
            loss = self._inner_algo.compute_loss(obs, returns)
            self._meta_optimizer.zero_grad()
            loss.backward()
            self._meta_optimizer.step()


    if __name__ == "__main__":
        from setup import make
        algo = MAML(*make())
        for itr, paths in enumerate([]):
            algo.train_once(itr, paths)
"""

NEW_VPG = VPG.replace("def process_samples(self, itr, paths):", "def process_samples(self, paths):")


def _maml(base_maml: str, cand_maml: str, cand_vpg: str = NEW_VPG) -> list[tuple[str, str]]:
    found = flow_findings({"vpg.py": VPG, "maml.py": base_maml}, {"vpg.py": cand_vpg, "maml.py": cand_maml})
    return [(f.severity.value, f.title) for f in found if "MAML._process_samples" in f.title]


def test_a_call_through_a_handed_in_object_that_follows_the_new_signature_is_no_change() -> None:
    cand = MAML.replace("self._inner_algo.process_samples(itr, paths)", "self._inner_algo.process_samples(paths)")
    assert _maml(MAML, cand) == []


def test_a_call_changed_where_the_method_kept_its_signature_is_still_a_change() -> None:
    cand = MAML.replace("self._inner_algo.process_samples(itr, paths)", "self._inner_algo.process_samples(itr, paths[1:])")
    assert _maml(MAML, cand, VPG), "the method takes what it took: the call hands other values"


def test_methods_of_that_name_with_other_parameters_leave_the_call_unresolved() -> None:
    other = NEW_VPG + """

    class TRPO:
        def process_samples(self, itr, paths, baseline=None):
            return paths
"""
    cand = MAML.replace("self._inner_algo.process_samples(itr, paths)", "self._inner_algo.process_samples(paths)")
    assert _maml(MAML, cand, other), "which method runs is unknown: the change is reported"


def test_methods_of_that_name_in_a_farther_directory_do_not_count() -> None:
    # garage: the TF algorithms of `tf/algos/` keep `process_samples(self, itr, paths)`; MAML (in `torch/algos/`)
    # runs the torch VPG's, whose signature changed
    tf_algo = """
    class BatchPolopt:
        def process_samples(self, itr, paths):
            return paths
"""
    cand = MAML.replace("self._inner_algo.process_samples(itr, paths)", "self._inner_algo.process_samples(paths)")
    found = flow_findings({"torch/algos/vpg.py": VPG, "torch/algos/maml.py": MAML, "tf/algos/batch_polopt.py": tf_algo},
                          {"torch/algos/vpg.py": NEW_VPG, "torch/algos/maml.py": cand, "tf/algos/batch_polopt.py": tf_algo})
    assert not [f.title for f in found if "MAML._process_samples" in f.title]
