"""A field renamed consistently on a module-level object (`args.num_updates` -> `args.num_iterations`) is
a rename for every function of the module that reads that object as a free variable, not a behaviour
change (real shape: cleanrl's argparse -> tyro migration, where `linear_schedule`, nested in the
`__main__` block, read `args.num_updates` and each JAX script gave an anonymous significant finding)."""

from __future__ import annotations

import re

from tests.flow.support import flow_findings

SCRIPT = """
    import argparse

    import torch
    import torch.nn as nn


    def parse_args():
        parser = argparse.ArgumentParser()
        parser.add_argument("--learning-rate", type=float, default=3e-4)
        parser.add_argument("--total-timesteps", type=int, default=1000)
        return parser.parse_args()


    if __name__ == "__main__":
        args = parse_args()
        args.num_updates = args.total_timesteps // 10
        model = nn.Linear(3, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)

        def linear_schedule(count):
            frac = 1.0 - count / args.num_updates
            return args.learning_rate * frac

        for update in range(1, args.num_updates + 1):
            optimizer.param_groups[0]["lr"] = linear_schedule(update)
            obs = torch.randn(4, 3)
            loss = (model(obs) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _titles(candidate: str) -> list[str]:
    return sorted(f.title for f in flow_findings({"train.py": SCRIPT}, {"train.py": candidate}))


def test_field_rename_of_module_object_read_by_nested_function_is_no_change() -> None:
    titles = _titles(re.sub(r"\bnum_updates\b", "num_iterations", SCRIPT))
    assert not titles, titles


def test_field_rename_with_a_changed_schedule_is_still_reported() -> None:
    cand = re.sub(r"\bnum_updates\b", "num_iterations", SCRIPT).replace("frac = 1.0 - count", "frac = 0.5 - count")
    assert any("linear_schedule" in t for t in _titles(cand)), _titles(cand)


def test_reading_another_field_of_the_object_is_a_change() -> None:
    # the schedule now divides by another field that exists at both commits: not a rename
    cand = SCRIPT.replace("frac = 1.0 - count / args.num_updates", "frac = 1.0 - count / args.total_timesteps")
    assert any("linear_schedule" in t for t in _titles(cand)), _titles(cand)


LOCAL = """
    import argparse

    import torch
    import torch.nn as nn


    def parse_args():
        parser = argparse.ArgumentParser()
        parser.add_argument("--learning-rate", type=float, default=3e-4)
        parser.add_argument("--total-timesteps", type=int, default=1000)
        return parser.parse_args()


    if __name__ == "__main__":
        args = parse_args()
        model = nn.Linear(3, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
        num_updates = args.total_timesteps // 10
        for update in range(1, num_updates + 1):
            frac = 1.0 - (update - 1.0) / num_updates
            optimizer.param_groups[0]["lr"] = frac * args.learning_rate
            obs = torch.randn(4, 3)
            loss = (model(obs) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

# cleanrl's argparse -> tyro migration: the local count became a field of the parsed arguments
FIELD = (LOCAL.replace("num_updates = args", "args.num_iterations = args")
         .replace("for update in range(1, num_updates + 1):", "for iteration in range(1, args.num_iterations + 1):")
         .replace("frac = 1.0 - (update - 1.0) / num_updates", "frac = 1.0 - (iteration - 1.0) / args.num_iterations"))


def test_a_local_that_became_a_new_field_of_an_object_is_a_rename() -> None:
    found = sorted(f.title for f in flow_findings({"train.py": LOCAL}, {"train.py": FIELD}))
    assert not found, found


def test_a_local_replaced_by_an_existing_field_is_a_change() -> None:
    # the loop now counts `args.total_timesteps` (a field the baseline already had), not the computed count
    cand = (LOCAL.replace("for update in range(1, num_updates + 1):", "for update in range(1, args.total_timesteps + 1):")
            .replace("frac = 1.0 - (update - 1.0) / num_updates", "frac = 1.0 - (update - 1.0) / args.total_timesteps")
            .replace("        num_updates = args.total_timesteps // 10\n", ""))
    found = flow_findings({"train.py": LOCAL}, {"train.py": cand})
    assert found, "the loop count changed"
