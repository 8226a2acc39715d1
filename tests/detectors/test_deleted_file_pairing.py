"""A function of a file the range deletes is never paired with a copy in a file the range does not change.

Real shape (ElegantRL, held-out 5 `erl-doubledqn-classcri-order` with the fix as baseline, used): the range
deleted `eRL_demo_PPOinSingleFile.py`, a single-file demo with its own `AgentPPO`; its methods were matched
("moved") with the library's `elegantrl/agents/AgentPPO.py`, which the range does not change, and their old
differences were reported as changes of the range: a false critical "Done masking removed". The copy in the
unchanged file was there at both commits. A function removed from a file the range only modifies may still
be found in an unchanged file (the rule that pairs them stays)."""

from __future__ import annotations

from tests.flow.support import described_pairs

DEMO = """
import torch


class AgentPPO:
    def get_reward_sum(self, buf_len, buf_reward, buf_mask, buf_value):
        buf_r_sum = torch.empty(buf_len)
        pre_r_sum = 0
        for i in range(buf_len - 1, -1, -1):
            buf_r_sum[i] = buf_reward[i] + buf_mask[i] * pre_r_sum
            pre_r_sum = buf_r_sum[i]
        return buf_r_sum - buf_value
"""

LIBRARY = """
import torch


class AgentPPO:
    def get_reward_sum(self, buf_len, buf_reward, buf_mask, buf_value):
        buf_r_sum = torch.empty(buf_len)
        pre_r_sum = 0
        for i in range(buf_len - 1, -1, -1):
            buf_r_sum[i] = buf_reward[i] + pre_r_sum
            pre_r_sum = buf_r_sum[i]
        return buf_r_sum - buf_value
"""

OTHER = """
def helper():
    return 1
"""




def test_deleted_file_is_not_paired_with_an_unchanged_copy() -> None:
    pairs = described_pairs({"demo_single_file.py": DEMO, "agents/ppo.py": LIBRARY, "other.py": OTHER},
                   {"agents/ppo.py": LIBRARY, "other.py": OTHER.replace("1", "2")})
    assert ("demo_single_file.py:AgentPPO.get_reward_sum", "deleted") in pairs, pairs
    assert not any("agents/ppo.py" in d for d, _ in pairs), pairs


def test_function_removed_from_a_kept_file_is_still_found_in_an_unchanged_file() -> None:
    pairs = described_pairs({"demo_single_file.py": DEMO + OTHER, "agents/ppo.py": LIBRARY},
                   {"demo_single_file.py": OTHER, "agents/ppo.py": LIBRARY})
    assert ("demo_single_file.py:AgentPPO.get_reward_sum -> agents/ppo.py:AgentPPO.get_reward_sum", "moved") in pairs, \
        pairs
