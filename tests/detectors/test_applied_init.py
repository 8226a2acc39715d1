"""Initialisation moved into `self.apply(init_fn)`: compared layer by layer.

Real shape (d3rlpy, within the `d3-dt-loss-reduction` benchmark range): the discrete decision
transformer's `nn.init.normal_(self._action_embed.weight, mean=0.0, std=0.02)` was replaced by
`self.apply(_init_weights)`, which draws the same `normal_(0, 0.02)` into every Linear / Embedding
registered above the call. It was "Initialisation call removed", significant, above the range's real
regression. Now: the embedding keeps its init (moved); the layers that gain one are named; a layer
registered after the `apply`, a norm layer set to its own default and a `bias=False` layer's bias are
not. Negatives: an init function that draws another std, and an embedding created after the `apply`.
"""

from __future__ import annotations

from investigator.detectors.engine import run_detectors
from investigator.detectors.sources import MemoryTree, diff_trees

HEAD = '''
import torch.nn as nn


def _init_weights(module):
    if isinstance(module, (nn.Linear, nn.Embedding)):
        module.weight.data.normal_(mean=0.0, std={std})
        if isinstance(module, nn.Linear) and module.bias is not None:
            module.bias.data.zero_()
    elif isinstance(module, nn.LayerNorm):
        module.bias.data.zero_()
        module.weight.data.fill_(1.0)


class GPT2(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.fc = nn.Linear(size, size)

    def forward(self, h):
        return self.fc(h)


class DiscreteDT(nn.Module):
    def __init__(self, encoder, action_size, feature_size):
        super().__init__()
'''
BASE_INIT = '''        self._encoder = encoder
        self._action_embed = nn.Embedding(action_size, feature_size)
        nn.init.normal_(self._action_embed.weight, mean=0.0, std=0.02)
        self._rtg_embed = nn.Linear(1, feature_size)
        self._ln = nn.LayerNorm(feature_size)
        self._gpt2 = GPT2(feature_size)
        self._output = nn.Linear(feature_size, action_size, bias=False)
'''
CAND_INIT = '''        self._ln = nn.LayerNorm(feature_size)
        self._gpt2 = GPT2(feature_size)
        self._output = nn.Linear(feature_size, action_size, bias=False)
        self._action_embed = nn.Embedding(action_size, feature_size)
        self.apply(_init_weights)
        self._encoder = encoder
        self._rtg_embed = nn.Linear(1, feature_size)
'''
TAIL = '''
    def forward(self, x, a):
        h = self._gpt2(self._ln(self._encoder(x) + self._action_embed(a) + self._rtg_embed(x)))
        return self._output(h)
'''
ALGO = '''
from transformers import DiscreteDT


def fit(encoder, optimizer, batches):
    model = DiscreteDT(encoder, 4, 8)
    for x, a, y in batches:
        loss = (model(x, a) - y).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
'''


def _init_hits(cand_init: str, std: str = "0.02"):
    base = {"transformers.py": HEAD.format(std="0.02") + BASE_INIT + TAIL, "algo.py": ALGO}
    cand = {"transformers.py": HEAD.format(std=std) + cand_init + TAIL, "algo.py": ALGO}
    b, c = MemoryTree(base), MemoryTree(cand)
    result = run_detectors(b, c, diff_trees(b, c), only={"init_gain"})
    return [f for f in result.findings if "nitialis" in f.title]


def test_an_init_moved_into_apply_keeps_the_layer_and_names_the_layers_that_gain_one() -> None:
    found = _init_hits(CAND_INIT)
    assert len(found) == 1, [f.title for f in found]
    title, summary = found[0].title, found[0].evidence[0].summary
    assert "removed" not in title and title.startswith("Initialisation applied to more layers: `self.apply(_init_weights)`")
    assert "`_output` (Linear): weight normal_(mean=0.0, std=0.02)" in title
    assert "`_gpt2` (GPT2: its Embedding/Linear layers): normal_(mean=0.0, std=0.02)" in title
    assert "`_action_embed`" not in title and "unchanged (moved into `self.apply(_init_weights)`): `_action_embed`" in summary
    assert "_rtg_embed" not in title and "_ln" not in title  # registered after the apply; a norm at its default
    assert "bias zero_()" not in title  # `bias=False`
    assert found[0].confidence == 0.6


def test_an_init_function_that_draws_another_std_is_a_change_of_the_moved_layer() -> None:
    found = _init_hits(CAND_INIT, std="0.1")
    assert found and "`_action_embed` (Embedding): weight normal_(mean=0.0, std=0.1)" in found[0].title
    assert "no longer initialised explicitly" in found[0].evidence[0].summary


def test_an_embedding_created_after_the_apply_loses_its_init() -> None:
    late = CAND_INIT.replace("        self._action_embed = nn.Embedding(action_size, feature_size)\n", "") + \
        "        self._action_embed = nn.Embedding(action_size, feature_size)\n"
    found = _init_hits(late)
    assert found and "_action_embed" not in found[0].title
    assert "no longer initialised explicitly: `nn.init.normal_(self._action_embed.weight" in found[0].evidence[0].summary
