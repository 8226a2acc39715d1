"""A tensor moved to the CPU the same way at both commits, or copied out for NumPy, is no placement change.

Real shapes (skrl 1.4.3..2.0.0): `_torch2jax` moved `tensor.contiguous().cpu() if _CPU else ...` once
and, in its NumPy-backend arm, returned `tensor.cpu().numpy()`; 2.0 writes the first move in both
arms of a JAX-version check and drops the NumPy arm. The JAX memory's `save` (`.cpu().numpy()` into
an `.npz`) was removed. Both read "Device placement changed", significant. A tensor newly moved to
the CPU is still a change."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import jax.dlpack as jax_dlpack
import torch.utils.dlpack as torch_dlpack

_CPU = True


def torch2jax(tensor):
    return jax_dlpack.from_dlpack(torch_dlpack.to_dlpack(tensor.contiguous().cpu() if _CPU else tensor.contiguous()))
"""

CAND = """
import jax
import jax.dlpack as jax_dlpack
import torch.utils.dlpack as torch_dlpack

_CPU = True


def torch2jax(tensor):
    if jax.__version__ >= "0.7.0":
        return jax_dlpack.from_dlpack(MOVED if _CPU else tensor.contiguous())
    return jax_dlpack.from_dlpack(torch_dlpack.to_dlpack(tensor.contiguous().cpu() if _CPU else tensor.contiguous()))
"""


def _titles(moved: str) -> list[str]:
    return [f.title for f in run_on({"m.py": BASE}, {"m.py": CAND.replace("MOVED", moved)},
                                    only={"device_placement"}).findings]


def test_the_same_move_in_both_arms_of_a_version_check_is_no_change() -> None:
    assert _titles("tensor.contiguous().cpu()") == []


def test_another_tensor_moved_to_the_cpu_is_still_a_change() -> None:
    assert _titles("tensor.detach().cpu()") == ["Device placement changed"]


def test_a_removed_numpy_export_is_no_placement_change() -> None:
    base = "def save(tensors, path, np):\n    np.savez(path, **{k: v.cpu().numpy() for k, v in tensors.items()})\n"
    cand = "def save(tensors, path, np):\n    np.savez(path, **{k: v for k, v in tensors.items()})\n"
    assert [f.title for f in run_on({"m.py": base}, {"m.py": cand}, only={"device_placement"}).findings] == []


HELPER = """
_CPU = True


def torch2jax(tensor):
    return from_dlpack(tensor.contiguous().cpu() if _CPU else tensor.contiguous())


class Wrapper:
    def step(self, actions):
        observations, reward = self._env.step(actions)
        return ARGUMENT, torch2jax(reward)
"""


def test_a_helper_move_inlined_with_another_argument_is_no_placement_change() -> None:
    # skrl 2.0: `_torch2jax(observations["policy"])` -> `_torch2jax(flatten_tensorized_space(...))`
    base = HELPER.replace("ARGUMENT", 'torch2jax(observations["policy"])')
    cand = HELPER.replace("ARGUMENT", 'torch2jax(flatten(self.observation_space, observations["policy"]))').replace(
        "    return from_dlpack(", "    if NEW_JAX:\n        return from_dlpack(tensor.contiguous().cpu() if _CPU else tensor)\n    return from_dlpack(")
    assert [f.title for f in run_on({"m.py": base}, {"m.py": cand}, only={"device_placement"}).findings] == []
