"""A store into one field of a settings object reaches the readers of that field, not every reader of the object
(real shape: cleanrl's argparse -> tyro move wrote `args.num_iterations = args.total_timesteps // args.batch_size`
and the flow reached `clip_grad_norm_(..., args.max_grad_norm)`: a loop count reported in the loss path)."""

from __future__ import annotations

from tests.flow.support import flow_findings

SCRIPT = """
    import argparse

    import torch


    def parse_args():
        p = argparse.ArgumentParser()
        p.add_argument("--total-timesteps", type=int, default=10000)
        p.add_argument("--batch-size", type=int, default=128)
        p.add_argument("--max-grad-norm", type=float, default=0.5)
        p.add_argument("--lr", type=float, default=3e-4)
        return p.parse_args()


    if __name__ == "__main__":
        args = parse_args()
        args.num_iterations = args.total_timesteps // args.batch_size
        net = torch.nn.Linear(4, 1)
        optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
        for iteration in range(1, args.num_iterations + 1):
            x = torch.randn(args.batch_size, 4)
            loss = net(x).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), args.max_grad_norm)
            optimizer.step()
"""


def _places(cand: str) -> list[str]:
    found = flow_findings({"train.py": SCRIPT}, {"train.py": cand})
    return [f.title for f in found]


def test_a_changed_field_store_is_placed_by_the_readers_of_that_field() -> None:
    titles = _places(SCRIPT.replace("args.total_timesteps // args.batch_size", "args.total_timesteps // (2 * args.batch_size)"))
    assert len(titles) == 1, titles
    assert "loss path" not in titles[0], titles
    assert "training schedule" in titles[0], titles


def test_a_field_read_by_the_loss_is_still_the_loss_path() -> None:
    cand = SCRIPT.replace("loss = net(x).pow(2).mean()", "loss = net(x).pow(2).mean() * args.num_iterations")
    cand = cand.replace("args.total_timesteps // args.batch_size", "args.total_timesteps // (2 * args.batch_size)")
    titles = _places(cand)
    assert any("loss path" in t for t in titles), titles


def test_the_object_passed_whole_still_carries_the_field() -> None:
    helper = SCRIPT.replace(
        "        for iteration in range(1, args.num_iterations + 1):",
        "        train_loop(args, net, optimizer)\n\n\n    def _unused():\n        for iteration in range(1, 2):")
    helper = helper.replace("    if __name__", """    def train_loop(args, net, optimizer):
        x = torch.randn(args.batch_size, 4)
        loss = net(x).pow(2).mean() * args.num_iterations
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


    if __name__""")
    cand = helper.replace("args.total_timesteps // args.batch_size", "args.total_timesteps // (2 * args.batch_size)")
    titles = flow_findings({"train.py": helper}, {"train.py": cand})
    assert any("loss path" in f.title for f in titles), [f.title for f in titles]


MOVED_BASE = """
    import argparse

    import torch


    def parse_args():
        p = argparse.ArgumentParser()
        p.add_argument("--total-timesteps", type=int, default=10000)
        p.add_argument("--batch-size", type=int, default=128)
        p.add_argument("--lr", type=float, default=3e-4)
        return p.parse_args()


    if __name__ == "__main__":
        args = parse_args()
        net = torch.nn.Linear(4, 1)
        optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
        SCALE
        num_updates = args.total_timesteps // args.batch_size
        for update in range(1, num_updates + 1):
            frac = 1.0 - (update - 1.0) / num_updates
            optimizer.param_groups[0]["lr"] = frac * args.lr
            x = torch.randn(args.batch_size, 4)
            loss = net(x).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

MOVED_CAND = """
    import argparse

    import torch


    def parse_args():
        p = argparse.ArgumentParser()
        p.add_argument("--total-timesteps", type=int, default=10000)
        p.add_argument("--batch-size", type=int, default=128)
        p.add_argument("--lr", type=float, default=3e-4)
        return p.parse_args()


    if __name__ == "__main__":
        args = parse_args()
        args.num_iterations = args.total_timesteps // args.batch_size
        net = torch.nn.Linear(4, 1)
        optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
        SCALE
        for iteration in range(1, args.num_iterations + 1):
            frac = 1.0 - (iteration - 1.0) / args.num_iterations
            optimizer.param_groups[0]["lr"] = frac * args.lr
            x = torch.randn(args.batch_size, 4)
            loss = net(x).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def test_a_binding_moved_and_renamed_into_a_field_is_no_change() -> None:
    found = flow_findings({"train.py": MOVED_BASE.replace("SCALE", "torch.manual_seed(1)")},
                          {"train.py": MOVED_CAND.replace("SCALE", "torch.manual_seed(1)")})
    assert found == [], [f.title for f in found]


def test_a_binding_moved_above_what_changes_its_input_is_a_change() -> None:
    scale = "args.batch_size = args.batch_size * 2"
    found = flow_findings({"train.py": MOVED_BASE.replace("SCALE", scale)},
                          {"train.py": MOVED_CAND.replace("SCALE", scale)})
    assert found, "the moved binding now reads the batch size before it is doubled"
