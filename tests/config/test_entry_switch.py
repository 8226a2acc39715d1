"""The entry script's `__main__` block now calls another experiment function of the same file.

Real shape (ShangtongZhang/DeepRL, `examples.py`): every experiment is a function building its own
`Config` (`rainbow_pixel`, `ppo_pixel`, ...) and the `__main__` block calls one of them; a commit
comments out `rainbow_pixel(game=game)` and calls `ppo_pixel(game=game)`. The effective configurations
of the two functions were compared key by key as one run's ("Config `adam.lr` changed: 0.000625 →
0.00025", "`async_replay.batch_size` removed", ... four critical): the values did not change, another
experiment is selected. That is one significant finding naming both functions, with the differing keys
as its evidence. Negatives: the same experiment function edited keeps its per-key findings and their
severities; the entry function renamed (neither name at both commits) is one function, compared per key;
a helper whose result the `__main__` block uses (PufferLib `demo.py`: `pkg, config = load_from_config(...)`
-> `... = load_config(parser)`) is no experiment; nor is a helper that sets no setting.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult, Severity
from investigator.request import InvestigationRequest
from investigator.workflow import run_investigation
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

CONFIG = '''\
    class Config:
        def __init__(self):
            self.discount = 0.99
            self.batch_size = 64

        def merge(self, kwargs):
            for key, value in kwargs.items():
                setattr(self, key, value)
    '''

AGENT = '''\
    import torch


    def run_steps(agent, config):
        optimizer = config.optimizer_fn(agent.parameters())
        for _ in range(config.max_steps):
            loss = agent(torch.zeros(config.batch_size)).sum() * config.discount
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    '''

RAINBOW = '''\
    def rainbow_pixel(**kwargs):
        config = Config()
        config.merge(kwargs)
        config.optimizer_fn = lambda params: torch.optim.Adam(params, lr={lr}, eps=1.5e-4)
        config.categorical_v_max = 10
        config.replay_fn = lambda: Replay(memory_size=int(1e6), batch_size=32)
        config.batch_size = 32
        config.discount = 0.99
        config.target_network_update_freq = 2000
        config.n_step = 3
        config.max_steps = int(2e7)
        run_steps(torch.nn.Linear(4, 2), config)
    '''

PPO = '''\
    def ppo_pixel(**kwargs):
        config = Config()
        config.merge(kwargs)
        config.num_workers = 8
        config.optimizer_fn = lambda params: torch.optim.Adam(params, lr=2.5e-4)
        config.discount = 0.99
        config.entropy_weight = 0.01
        config.gradient_clip = 0.5
        config.rollout_length = 128
        config.mini_batch_size = config.rollout_length * config.num_workers // 4
        config.max_steps = int(2e7)
        run_steps(torch.nn.Linear(4, 2), config)
    '''

HEAD = '''\
    import torch

    from rl.agent import run_steps
    from rl.config import Config
    from rl.replay import Replay


    '''


def _examples(functions: list[str], main: str, lr: str = "0.000625") -> str:
    body = "\n\n".join(textwrap.dedent(f).replace("{lr}", lr) for f in functions)
    main_block = "\n".join(f"    {line}" if line else "" for line in main.splitlines())
    return textwrap.dedent(HEAD) + body + f"\n\nif __name__ == '__main__':\n    game = 'Breakout'\n{main_block}\n"


def _run(tmp_path: Path, base: str, cand: str) -> AnalyzerResult:
    repo = tmp_path / "repo"
    common = {"rl/__init__.py": "", "rl/config.py": textwrap.dedent(CONFIG), "rl/agent.py": textwrap.dedent(AGENT),
              "rl/replay.py": "class Replay:\n    def __init__(self, memory_size, batch_size):\n        self.n = batch_size\n"}
    b = commit_files(repo, {**common, "examples.py": base}, "baseline")
    c = commit_files(repo, {"examples.py": cand}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _loud(result: AnalyzerResult) -> list[tuple[str, str]]:
    return [(f.title, f.severity.value) for f in result.findings if f.severity in (Severity.critical, Severity.significant)]


def test_main_block_switching_experiment_function_is_one_significant_finding(tmp_path: Path) -> None:
    base = _examples([RAINBOW], "rainbow_pixel(game=game)")
    cand = _examples([RAINBOW, PPO], "# rainbow_pixel(game=game)\nppo_pixel(game=game)")
    result = _run(tmp_path, base, cand)
    assert not any(f.severity is Severity.critical for f in result.findings), _loud(result)
    [switch] = [f for f in result.findings if "ppo_pixel" in f.title and "rainbow_pixel" in f.title]
    assert switch.severity is Severity.significant
    assert not [f for f in result.findings if f is not switch and f.evidence and f.evidence[0].details.get("key")], \
        [f.title for f in result.findings]
    where = {loc.side: (loc.path, loc.line) for loc in switch.locations}
    assert where["baseline"][0] == "examples.py" and where["candidate"][0] == "examples.py"
    assert base.splitlines()[where["baseline"][1] - 1].strip().startswith("rainbow_pixel(")
    assert cand.splitlines()[where["candidate"][1] - 1].strip().startswith("ppo_pixel(")
    assert switch.evidence[0].hunk and "+    ppo_pixel(game=game)" in switch.evidence[0].hunk
    keys = {k["key"] for e in switch.evidence for k in e.details.get("keys", [])}  # type: ignore[attr-defined]
    assert "adam.lr" in keys and "num_workers" in keys


def test_the_same_experiment_function_edited_keeps_its_per_key_findings(tmp_path: Path) -> None:
    # the negative: `rainbow_pixel` at both commits, its learning rate changed (and a new unused function)
    base = _examples([RAINBOW], "rainbow_pixel(game=game)")
    cand = _examples([RAINBOW, PPO], "rainbow_pixel(game=game)\n# ppo_pixel(game=game)", lr="0.01")
    result = _run(tmp_path, base, cand)
    [lr] = [f for f in result.findings if f.evidence and str(f.evidence[0].details.get("key")).endswith(".lr")]
    assert lr.severity is Severity.critical, _loud(result)
    assert not any("instead of" in f.title for f in result.findings)


def test_a_renamed_entry_function_is_compared_key_by_key(tmp_path: Path) -> None:
    # `rainbow_pixel` renamed `rainbow_atari` (same body), its learning rate changed: one experiment
    base = _examples([RAINBOW], "rainbow_pixel(game=game)")
    renamed = RAINBOW.replace("def rainbow_pixel", "def rainbow_atari")
    cand = _examples([renamed], "rainbow_atari(game=game)", lr="0.01")
    result = _run(tmp_path, base, cand)
    assert not any("instead of" in f.title for f in result.findings), [f.title for f in result.findings]
    assert any(str(f.evidence[0].details.get("key")).endswith(".lr") and f.severity is Severity.critical
               for f in result.findings if f.evidence), _loud(result)


def test_whole_investigation_reports_the_switch_once(tmp_path: Path) -> None:
    # end to end: no critical item, and one item about the switch
    repo = tmp_path / "repo"
    common = {"rl/__init__.py": "", "rl/config.py": textwrap.dedent(CONFIG), "rl/agent.py": textwrap.dedent(AGENT),
              "rl/replay.py": "class Replay:\n    def __init__(self, memory_size, batch_size):\n        self.n = batch_size\n"}
    b = commit_files(repo, {**common, "examples.py": _examples([RAINBOW], "rainbow_pixel(game=game)")}, "baseline")
    c = commit_files(repo, {"examples.py": _examples([RAINBOW, PPO], "# rainbow_pixel(game=game)\nppo_pixel(game=game)")},
                     "candidate")
    inv = run_investigation(InvestigationRequest(repo=str(repo), baseline_commit=b, candidate_commit=c,
                                                 output=tmp_path / "out", formats=["json"]))
    titles = [(f.title, f.severity.value, f.source) for f in inv.findings]
    assert not any(f.severity is Severity.critical for f in inv.findings), titles
    assert inv.findings and "instead of" in inv.findings[0].title, titles
    # nothing else about `examples.py`: "`rainbow_pixel` is no longer called" (at the switched call) and the
    # env-count detector's comparison of `ppo_pixel`'s `num_workers = 8` with `rainbow_pixel`'s code (reached
    # only through the switched call) are the switch's evidence
    assert not [t for f, t in zip(inv.findings[1:], titles[1:], strict=True)
                if any(loc.path == "examples.py" for loc in f.locations)], titles
    assert {"code_detectors.call_removed", "code_detectors.env_count"} <= set(inv.findings[0].rationale.replace("`", " ").split())


def test_a_helper_that_builds_no_settings_is_no_experiment(tmp_path: Path) -> None:
    # baseline: `__main__` seeds through a local helper and builds the config inline; candidate: the inline
    # code moved into `train()` (the seeding dropped). `set_seed` sets none of the settings: no switch
    helper = "def set_seed(seed):\n    torch.manual_seed(seed)\n"
    inline = ("config = Config()\nconfig.optimizer_fn = lambda params: torch.optim.Adam(params, lr={lr})\n"
              "config.max_steps = 10\nrun_steps(torch.nn.Linear(4, 2), config)\n")
    base = _examples([helper], "set_seed(0)\n" + inline.replace("{lr}", "0.001"))
    train = "def train():\n" + "".join(f"    {line}\n" for line in inline.replace("{lr}", "0.01").splitlines())
    cand = _examples([helper, train], "train()")
    result = _run(tmp_path, base, cand)
    assert not any("instead of" in f.title for f in result.findings), [f.title for f in result.findings]


def test_a_helper_whose_result_the_main_block_uses_is_no_experiment(tmp_path: Path) -> None:
    # PufferLib demo.py shape: `__main__` builds its run from what a loader returns; the loader is replaced
    # by another (both defined at the candidate): the block's own program, not another experiment
    loader = ("def {name}(lr):\n    config = Config()\n    config.optimizer_fn = lambda params: torch.optim.Adam(params, lr=lr)\n"
              "    config.max_steps = 10\n    return config\n")
    base = _examples([loader.format(name="load_from_config")],
                     "config = load_from_config(0.001)\nrun_steps(torch.nn.Linear(4, 2), config)")
    cand = _examples([loader.format(name="load_from_config"), loader.format(name="load_config")],
                     "config = load_config(0.01)\nrun_steps(torch.nn.Linear(4, 2), config)")
    result = _run(tmp_path, base, cand)
    assert not any("instead of" in f.title for f in result.findings), [f.title for f in result.findings]
