"""Generate the demo repository: a small, runnable PPO project with noise commits and planted regressions.

The same generator is the fixture factory for the tests: each planted regression records its
subsystem and the text that marks its location, and `DemoRepo.locate` turns that into file:line at
either commit, so tests never hard-code line numbers.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

_TEMPLATES = "investigator.demo.templates"

BASELINE_TRAIN_YAML = """\
defaults:
  - env: arena
  - trainer: ppo
  - _self_
seed: 1
logdir: runs/default
"""

BASELINE_ENV_YAML = """\
# Default arena: 7x7 grid, reach the goal; the gem on the way is a shaped reward.
size: 7
max_steps: 48
rewards:
  goal: 1.0
  gem: 0.3
  step_penalty: -0.01
"""

BASELINE_TRAINER_YAML = """\
lr: 0.00025
gamma: 0.99
gae_lambda: 0.95
clip_coef: 0.2
ent_coef: 0.01
vf_coef: 0.5
max_grad_norm: 0.5
num_envs: 8
num_workers: 2
num_steps: 64
num_minibatches: 4
update_epochs: 4
hidden_size: 64
total_timesteps: 200000
log_interval: 2
checkpoint_interval: 50
lr_schedule:
  name: cosine
  warmup: 10
"""

README_V1 = """\
# gridarena-ppo

PPO on a tiny grid world. `python train.py --seed 1 --total-timesteps 20000 --logdir runs/s1`.
"""

README_V2 = README_V1 + """
## Configuration

The default configuration lives in `configs/` (a Hydra-style defaults list in `configs/train.yaml`).
"""


@dataclass(frozen=True)
class PlantedRegression:
    id: str
    subsystem: str
    kind: str  # config | code
    description: str
    baseline_path: str
    baseline_marker: str
    candidate_path: str
    candidate_marker: str


@dataclass(frozen=True)
class NoEffectExpectation:
    """A change that must be reported as having no behavioural effect, never as a finding."""

    id: str
    path: str
    description: str


PLANTED: tuple[PlantedRegression, ...] = (
    PlantedRegression(
        id="gem_reward_dropped",
        subsystem="env",
        kind="config",
        description="Shaped reward `gem` 0.3 lost in the YAML-to-Python migration (class default 0.0)",
        baseline_path="configs/env/arena.yaml",
        baseline_marker="gem: 0.3",
        candidate_path="rlproj/config.py",
        candidate_marker="gem: float = 0.0",
    ),
    PlantedRegression(
        id="checkpoint_interval_10x",
        subsystem="checkpointing",
        kind="config",
        description="Checkpoint interval 50 -> 5 updates (10x more frequent saves)",
        baseline_path="configs/trainer/ppo.yaml",
        baseline_marker="checkpoint_interval: 50",
        candidate_path="recipes/arena.py",
        candidate_marker="cfg.trainer.checkpoint_interval = 5",
    ),
    PlantedRegression(
        id="gae_bootstrap_index",
        subsystem="ppo",
        kind="code",
        description="GAE bootstraps from values[t] instead of values[t + 1]",
        baseline_path="rlproj/ppo.py",
        baseline_marker="nextvalues = values[t + 1]",
        candidate_path="rlproj/ppo.py",
        candidate_marker="nextvalues = values[t]",
    ),
    PlantedRegression(
        id="grad_clip_removed",
        subsystem="trainer",
        kind="code",
        description="Gradient clipping removed from the PPO update",
        baseline_path="rlproj/ppo.py",
        baseline_marker="nn.utils.clip_grad_norm_(agent.parameters(), cfg[\"max_grad_norm\"])",
        candidate_path="rlproj/ppo.py",
        candidate_marker="loss.backward()",
    ),
)

NO_EFFECT: tuple[NoEffectExpectation, ...] = (
    NoEffectExpectation("utils_moved", "rlproj/common/utils.py", "pure rename of rlproj/utils.py"),
    NoEffectExpectation("model_reformatted", "rlproj/model.py", "formatting-only edit"),
    NoEffectExpectation("readme", "README.md", "documentation"),
    NoEffectExpectation("schedules_commented", "rlproj/schedules.py", "commented out, but never called at the baseline"),
)


@dataclass
class DemoRepo:
    path: Path
    baseline: str
    candidate: str
    commits: list[tuple[str, str]] = field(default_factory=list)  # (sha, message)
    planted: tuple[PlantedRegression, ...] = PLANTED
    no_effect: tuple[NoEffectExpectation, ...] = NO_EFFECT

    def show(self, sha: str, path: str) -> str:
        return _git(self.path, "show", f"{sha}:{path}")

    def locate(self, regression: PlantedRegression, side: str) -> tuple[str, int]:
        """file:line of a planted regression at 'baseline' or 'candidate', found by its marker."""
        sha, path, marker = (
            (self.baseline, regression.baseline_path, regression.baseline_marker)
            if side == "baseline"
            else (self.candidate, regression.candidate_path, regression.candidate_marker)
        )
        for number, line in enumerate(self.show(sha, path).splitlines(), start=1):
            if marker in line:
                return path, number
        raise LookupError(f"marker {marker!r} not found in {path} at {side}")


def _template(name: str) -> str:
    return resources.files(_TEMPLATES).joinpath(name).read_text()


FIRST_COMMIT = "Initial PPO trainer on GridArena"  # also how `investigate demo` recognises an old demo

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Demo Researcher",
    "GIT_AUTHOR_EMAIL": "researcher@example.com",
    "GIT_COMMITTER_NAME": "Demo Researcher",
    "GIT_COMMITTER_EMAIL": "researcher@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, **_GIT_ENV, "HOME": str(repo)}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return proc.stdout


def _write(repo: Path, files: dict[str, str | None]) -> None:
    for rel, content in files.items():
        target = repo / rel
        if content is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def _reformat(source: str) -> str:
    """A formatter-style rewrite (one argument per line) that leaves the AST identical."""
    out = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("layer_init(nn.Linear(") and stripped.endswith("nn.Tanh(),"):
            indent = line[: len(line) - len(line.lstrip())]
            first, second = stripped.split("), nn.Tanh(),")[0] + ")", "nn.Tanh(),"
            out += [f"{indent}{first},", f"{indent}{second}"]
        else:
            out.append(line)
    return "\n".join(out).replace("def layer_init(layer, std=np.sqrt(2), bias_const=0.0):",
                                  "def layer_init(\n    layer,\n    std=np.sqrt(2),\n    bias_const=0.0,\n):") + "\n"


def _commented(source: str, tag: str) -> str:
    lines = [f"# TODO re-enable with the new config system #{tag}"]
    lines += [f"# {line}" if line.strip() else "#" for line in source.splitlines()]
    return "\n".join(lines) + "\n"


def generate_demo_repo(path: Path, *, plant_code: bool = True, plant_config: bool = True) -> DemoRepo:
    """Create the repository at `path` (must not exist or be empty) and return its commits."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if any(path.iterdir()):
        raise FileExistsError(f"demo target is not empty: {path}")
    _git(path, "init", "-q", "-b", "main")
    commits: list[tuple[str, str]] = []
    clock = iter(range(1_700_000_000, 1_800_000_000, 3600))

    def commit(message: str, files: dict[str, str | None]) -> str:
        _write(path, files)
        _git(path, "add", "-A")
        _git(path, "commit", "-q", "-m", message, date=f"{next(clock)} +0000")
        sha = _git(path, "rev-parse", "HEAD").strip()
        commits.append((sha, message))
        return sha

    train_loop = _template("train_loop.py")
    baseline_loop = train_loop.replace("from rlproj.common.utils import", "from rlproj.utils import")
    ppo = _template("ppo.py")
    baseline = commit(
        FIRST_COMMIT,
        {
            "README.md": README_V1,
            "train.py": _template("train_yaml_entry.py"),
            "configs/train.yaml": BASELINE_TRAIN_YAML,
            "configs/env/arena.yaml": BASELINE_ENV_YAML,
            "configs/trainer/ppo.yaml": BASELINE_TRAINER_YAML,
            "rlproj/__init__.py": "",
            "rlproj/config_loader.py": _template("config_loader.py"),
            "rlproj/env.py": _template("env.py"),
            "rlproj/model.py": _template("model.py"),
            "rlproj/ppo.py": ppo,
            "rlproj/schedules.py": _template("schedules.py"),
            "rlproj/train_loop.py": baseline_loop,
            "rlproj/utils.py": _template("utils.py"),
        },
    )
    _git(path, "tag", "baseline")
    commit(
        "Move utils into rlproj/common",
        {
            "rlproj/utils.py": None,
            "rlproj/common/__init__.py": "",
            "rlproj/common/utils.py": _template("utils.py"),
            "rlproj/train_loop.py": train_loop,
        },
    )
    commit("Reformat model code", {"rlproj/model.py": _reformat(_template("model.py"))})
    commit("Docs: describe configuration", {"README.md": README_V2})
    recipe = _template("recipe_arena.py")
    classes = _template("config_classes.py")
    if not plant_config:
        recipe = recipe.replace("cfg.trainer.checkpoint_interval = 5", "cfg.trainer.checkpoint_interval = 50")
        classes = classes.replace("gem: float = 0.0", "gem: float = 0.3")
    commit(
        "Refactor: move configuration from YAML into Python classes and recipes",
        {
            "configs/train.yaml": None,
            "configs/env/arena.yaml": None,
            "configs/trainer/ppo.yaml": None,
            "rlproj/config_loader.py": None,
            "rlproj/config.py": classes,
            "recipes/__init__.py": "",
            "recipes/arena.py": recipe,
            "train.py": _template("train_recipe_entry.py"),
        },
    )
    commit(
        "Comment out the schedules module until the new config supports it",
        {"rlproj/schedules.py": _commented(_template("schedules.py"), "cfg-migration")},
    )
    if plant_code:
        commit("Simplify the GAE loop", {"rlproj/ppo.py": (ppo := ppo.replace("nextvalues = values[t + 1]", "nextvalues = values[t]"))})
        commit(
            "Clean up the update step",
            {"rlproj/ppo.py": ppo.replace('            nn.utils.clip_grad_norm_(agent.parameters(), cfg["max_grad_norm"])\n', "")},
        )
    candidate = commits[-1][0]
    _git(path, "tag", "candidate")
    planted = tuple(
        p for p in PLANTED if (p.kind == "code" and plant_code) or (p.kind == "config" and plant_config)
    )
    return DemoRepo(path=path, baseline=baseline, candidate=candidate, commits=commits, planted=planted)
