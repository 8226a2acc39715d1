"""A long flag spelled with underscores instead of dashes stores the same attribute (real shape: cleanrl's
`ppo_pettingzoo_ma_atari.py` renamed `--capture-video` to `--capture_video`, read as an optimizer-path change)."""

from __future__ import annotations

from tests.flow.support import flow_findings

SCRIPT = """
    import argparse

    import torch


    def parse_args():
        parser = argparse.ArgumentParser()
        parser.add_argument("--learning-rate", type=float, default=2.5e-4, help="the learning rate")
        parser.add_argument("--capture-video", type=bool, default=False, help="record videos")
        return parser.parse_args()


    if __name__ == "__main__":
        args = parse_args()
        net = torch.nn.Linear(4, 1)
        optimizer = torch.optim.Adam(net.parameters(), lr=args.learning_rate)
        for step in range(100):
            x = torch.randn(8, 4)
            if args.capture_video:
                x = x * 2
            loss = net(x).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def test_underscores_for_dashes_in_a_flag_is_no_change() -> None:
    cand = SCRIPT.replace('"--capture-video"', '"--capture_video"').replace('"--learning-rate"', '"--learning_rate"')
    found = flow_findings({"train.py": SCRIPT}, {"train.py": cand})
    assert found == [], [f.title for f in found]


def test_a_flag_renamed_to_another_word_is_a_change() -> None:
    cand = SCRIPT.replace('"--capture-video"', '"--record-video"')
    assert flow_findings({"train.py": SCRIPT}, {"train.py": cand})


def test_a_respelled_flag_with_another_default_is_a_change() -> None:
    cand = SCRIPT.replace('"--learning-rate", type=float, default=2.5e-4', '"--learning_rate", type=float, default=1e-3')
    assert flow_findings({"train.py": SCRIPT}, {"train.py": cand})
