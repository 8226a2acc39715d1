"""Equivalent forms seen on real ranges: a loss wrapper that delegates to the same formula (its extra
argument unused) with instance attributes renamed in the same release (rl_games v1.6.1's
`critic_loss(model, ...)` -> `default_critic_loss(...)` and `self.seq_len` -> `self.seq_length`), and
the "similar but different" forms that must stay a change."""

from __future__ import annotations

from tests.flow.support import flow_result as _analyse

LOSSES = """
    import torch


    def critic_loss(value_preds, values, e_clip, returns, clip_value):
        if clip_value:
            clipped = value_preds + (values - value_preds).clamp(-e_clip, e_clip)
            c_loss = torch.max((values - returns) ** 2, (clipped - returns) ** 2)
        else:
            c_loss = (returns - values) ** 2
        return c_loss
"""

WRAPPED = """
    import torch


    def critic_loss(model, value_preds, values, e_clip, returns, clip_value):
        return default_critic_loss(value_preds, values, e_clip, returns, clip_value)


    def default_critic_loss(value_preds, values, e_clip, returns, clip_value):
        if clip_value:
            clipped = value_preds + (values - value_preds).clamp(-e_clip, e_clip)
            c_loss = torch.max((values - returns) ** 2, (clipped - returns) ** 2)
        else:
            c_loss = (returns - values) ** 2
        return c_loss
"""

TRAIN = """
    from pkg import losses


    class CentralValue:
        def __init__(self, model, optimizer, seq_len, world):
            self.model = model
            self.optimizer = optimizer
            self.seq_len = seq_len
            self.rank_size = world

        def calc_gradients(self, batch):
            res = self.model({'obs': batch['obs'], 'seq_length': self.seq_len})
            loss = losses.critic_loss(batch['old'], res['values'], 0.2, batch['returns'], True)
            loss = loss.mean()
            self.optimizer.zero_grad()
            loss.backward()
            for p in self.model.parameters():
                p.grad.data.copy_(p.grad.data / self.rank_size)
            self.optimizer.step()

        def train_critic(self, batches):
            for batch in batches:
                self.calc_gradients(batch)


    def run(model, optimizer, batches):
        CentralValue(model, optimizer, 4, 1).train_critic(batches)
"""


def _renamed(train: str) -> str:
    return (train.replace("seq_len", "seq_length").replace("'seq_lengthgth'", "'seq_length'")
            .replace("rank_size", "world_size").replace("critic_loss(batch", "critic_loss(self.model, batch"))


def _loss_findings(result) -> list[str]:
    return [f.title for f in result.findings if "calc_gradients" in f.title or "critic_loss" in f.title]


def test_a_delegating_wrapper_with_renamed_attributes_is_no_change():
    cand_train = _renamed(TRAIN)
    assert "self.seq_length" in cand_train and "'seq_length'" in cand_train and "self.world_size" in cand_train
    result = _analyse({"pkg/__init__.py": "", "pkg/losses.py": LOSSES, "pkg/train.py": TRAIN},
                      {"pkg/__init__.py": "", "pkg/losses.py": WRAPPED, "pkg/train.py": cand_train})
    assert _loss_findings(result) == [], [f.title for f in result.findings]


def test_a_wrapper_that_uses_its_new_argument_is_a_change():
    uses_model = WRAPPED.replace("return default_critic_loss(value_preds,",
                                 "return model.value_scale * default_critic_loss(value_preds,")
    result = _analyse({"pkg/__init__.py": "", "pkg/losses.py": LOSSES, "pkg/train.py": TRAIN},
                      {"pkg/__init__.py": "", "pkg/losses.py": uses_model, "pkg/train.py": _renamed(TRAIN)})
    assert _loss_findings(result), [f.title for f in result.findings]


def test_a_renamed_attribute_next_to_a_real_change_keeps_the_change():
    cand_train = _renamed(TRAIN).replace("p.grad.data / self.world_size", "p.grad.data * self.world_size")
    result = _analyse({"pkg/__init__.py": "", "pkg/losses.py": LOSSES, "pkg/train.py": TRAIN},
                      {"pkg/__init__.py": "", "pkg/losses.py": WRAPPED, "pkg/train.py": cand_train})
    (title,) = _loss_findings(result)
    assert title.startswith("Behavioural change in the optimizer path: `CentralValue.calc_gradients`"), title


def test_an_attribute_that_exists_at_both_commits_is_not_a_rename():
    """`self.seq_len` -> `self.horizon` where the baseline already had `self.horizon`: another value."""
    base = TRAIN.replace("self.rank_size = world", "self.rank_size = world\n        self.horizon = 2 * seq_len")
    cand = base.replace("'seq_length': self.seq_len}", "'seq_length': self.horizon}")
    result = _analyse({"pkg/__init__.py": "", "pkg/losses.py": LOSSES, "pkg/train.py": base},
                      {"pkg/__init__.py": "", "pkg/losses.py": LOSSES, "pkg/train.py": cand})
    assert _loss_findings(result), [f.title for f in result.findings]


def _shaper_findings(cand: str) -> list[str]:
    from tests.detectors.test_callable_aliases import BASE

    result = _analyse({"shaping.py": BASE}, {"shaping.py": cand})
    return [f.title for f in result.findings]


def test_a_call_through_an_init_alias_has_the_same_effects():
    """rl_games `DefaultRewardsShaper`: `torch.clamp`/`np.clip` under `if self.is_torch` became
    `self.clip(...)` with the alias chosen by the same test in `__init__`."""
    from tests.detectors.test_callable_aliases import ALIASED

    assert _shaper_findings(ALIASED) == []
    bound = ALIASED.replace("self.clip(reward, self.min_val, self.max_val)", "self.clip(reward, self.min_val, 10.0)")
    (title,) = _shaper_findings(bound)  # how many statements it counts depends on the clamp's spelling
    assert title.startswith("Behavioural change in the reward path: `RewardShaper.__call__`"), title


def test_an_alias_chosen_by_another_test_is_not_the_same_call():
    """The alias is picked by something other than the baseline's test (a call, read at construction
    time only): the two versions may call different functions."""
    from tests.detectors.test_callable_aliases import ALIASED

    other = ALIASED.replace("        if self.is_torch:\n", "        if torch.cuda.is_available():\n")
    assert "torch.cuda.is_available()" in other
    assert _shaper_findings(other)


CONFIG = """
    class SAC:
        def __init__(self, cfg, build):
            self.normalize_input = cfg.get('normalize_input', False)
            net_config = {'obs_dim': cfg['obs_dim'], 'normalize_input': self.normalize_input, 'normalize_input': self.normalize_input}
            self.model = build(net_config)
            self.optimizer = make_optimizer(self.model)

        def update(self, batch):
            loss = self.model(batch).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


    def make_optimizer(model):
        return model


    def fit(cfg, build, batches):
        agent = SAC(cfg, build)
        for b in batches:
            agent.update(b)
"""


def test_a_repeated_dict_key_dropped_is_the_same_dict():
    """rl_games SAC: `{..., 'normalize_input': x, 'normalize_input': x}` -> `{..., 'normalize_input': x}`."""
    same = CONFIG.replace(", 'normalize_input': self.normalize_input}", "}")
    assert same.count("'normalize_input': self.normalize_input") == 1
    assert _analyse({"sac.py": CONFIG}, {"sac.py": same}).findings == []
    other = CONFIG.replace("'normalize_input': self.normalize_input, 'normalize_input': self.normalize_input",
                           "'normalize_input': self.normalize_input, 'normalize_input': True")
    assert _analyse({"sac.py": CONFIG}, {"sac.py": other}).findings  # the last value wins: another dict
