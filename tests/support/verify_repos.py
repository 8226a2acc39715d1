"""Generated repositories for `--verify`: planted config changes of known true effect and a fake,
stdlib-only training script whose final return depends on them (plus seed noise).

The script reads `config.yaml` (flat `key: value` lines) and writes `progress.csv` (the CSV the
metric loaders read). Its final return is 100 minus the `effects` of the keys that differ from
their baseline values, with a per-seed offset of `noise` (standard deviation) and a small per-point
noise; `masking=True` makes the effects not add up: any changed key costs the full sum (restoring
one alone recovers nothing, all of those with an effect together recover everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support.gitrepo import make_repo

TRAIN = '''\
import argparse, csv, os, random

BASELINE = {baseline!r}
EFFECTS = {effects!r}
NOISE = {noise!r}
MASKING = {masking!r}


def load(path):
    cfg = {{}}
    with open(path) as fh:
        for line in fh:
            line = line.split("#")[0].strip()
            if ":" in line:
                key, value = line.split(":", 1)
                cfg[key.strip()] = float(value)
    return cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--total-timesteps", type=int, default=2000)
    ap.add_argument("--logdir", default="runs")
    a = ap.parse_args()
    cfg = load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.yaml"))
    values = {reads}
    changed = [k for k, v in BASELINE.items() if abs(values[k] - v) > 1e-12 and EFFECTS[k]]
    loss = sum(EFFECTS.values()) if MASKING and changed else sum(EFFECTS[k] for k in changed)
    rng = random.Random(a.seed)
    offset = rng.gauss(0, NOISE)
    os.makedirs(a.logdir, exist_ok=True)
    with open(os.path.join(a.logdir, "progress.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["global_step", "charts/episodic_return"])
        for step in range(0, a.total_timesteps + 1, max(1, a.total_timesteps // 20)):
            level = (100.0 - loss + offset) * (1 - 0.8 ** (1 + step / 100))
            w.writerow([step, level + rng.gauss(0, NOISE / 4)])


if __name__ == "__main__":
    main()
'''
COMMAND = "{python} train.py --seed {seed} --total-timesteps {steps} --logdir {logdir}"
# baseline -> candidate values of the planted keys (PPO hyperparameters the config analyzer knows)
PLANTED = {"gamma": (0.99, 0.9), "learning_rate": (0.0003, 0.0001), "ent_coef": (0.01, 0.02)}


@dataclass
class VerifyRepo:
    path: Path
    baseline: str
    candidate: str


def _config(values: dict[str, float]) -> str:
    return "".join(f"{k}: {v}\n" for k, v in values.items())


def make_verify_repo(path: Path, effects: dict[str, float], *, noise: float = 1.0, masking: bool = False,
                     planted: dict[str, tuple[float, float]] | None = None) -> VerifyRepo:
    """Two commits: the candidate changes every key of `planted` (default PLANTED) in config.yaml;
    `effects` says what each change costs the final return (missing keys cost nothing)."""
    planted = planted or PLANTED
    base = {k: b for k, (b, _) in planted.items()}
    cand = {k: c for k, (_, c) in planted.items()}
    reads = "{" + ", ".join(f"{k!r}: cfg[{k!r}]" for k in planted) + "}"
    train = TRAIN.format(reads=reads, baseline=base, effects={k: float(effects.get(k, 0.0)) for k in planted}, noise=noise,
                         masking=masking)
    shas = make_repo(path, [("baseline", {"train.py": train, "config.yaml": _config(base)}),
                            ("candidate: tune hyperparameters", {"config.yaml": _config(cand)})])
    return VerifyRepo(path, shas[0], shas[-1])


def restore_patch(key: str, planted: dict[str, tuple[float, float]] | None = None) -> str:
    """The config restore of `key` as the config analyzer writes it (a zero-context one-line hunk)."""
    planted = planted or PLANTED
    line = list(planted).index(key) + 1
    base, cand = planted[key]
    return (f"--- a/config.yaml\n+++ b/config.yaml\n@@ -{line},1 +{line},1 @@\n"
            f"-{key}: {cand}\n+{key}: {base}\n")
