"""What a variable *is* in RL code, guessed from its name, so features survive renames.

`values`, `vals`, `b_values` and `value_preds` are all rollout values; `newvalue` is a
re-evaluated value; `nextnonterminal`, `dones` and `terminated` are done flags. Detectors key
their features on these roles rather than on literal names.
"""

from __future__ import annotations

import re
from functools import lru_cache

# words that name an episode end; `mask` alone is a done role too, but a generic one (`generic_mask`)
_DONE_WORDS = r"done|terminal|terminat|(^|_)term($|_)|nonterm|not_done|alive"
_ROLES: list[tuple[str, re.Pattern[str]]] = [
    ("entropy", re.compile(r"entrop|(^|_)ent($|_)")),
    ("kl", re.compile(r"(^|_)kl($|_)|kl_|_kl|divergence")),
    ("loss", re.compile(r"loss")),
    ("advantages", re.compile(r"adv")),
    ("returns", re.compile(r"return|(^|_)rets?($|_)|target|lambda_ret")),
    ("truncations", re.compile(r"trunc|time_?out|time_limit")),
    ("dones", re.compile(_DONE_WORDS + r"|(^|_)masks?($|_)")),
    ("logprob", re.compile(r"logp|log_prob|logprob")),
    ("ratio", re.compile(r"ratio(?!n)")),  # not -ration words: iterations, exploration, duration
    ("rewards", re.compile(r"rew(?!ind|rit|ire)|(^|_)r_?t?($|_)")),  # not rewind, rewrite, rewire
    ("values", re.compile(r"value|(^|_)vals?($|_)|vpred|v_pred|(^|_)v($|_)|values")),
]


# a record of named numbers for the logs (`return_log_dict`, `train_stats`): no tensor of the update, whatever
# its name also says (LightZero UniZero's `return_log_dict` read as returns: "Returns built from different tensors")
_RECORD = re.compile(r"log_dict|logs_dict|info_dict|stats_dict|(^|_)(logs|stats|metrics|summary)($|_)")
# masks over actions, attention, padding, sequences, tokens: not episode boundaries. Nor masks over images, frames,
# patches or video time (lerobot 59ab2862..e6f95674 pi05/memory.py: `temporal_mask`, `frame_mask`, `img_mask` of a
# VLA's memory attention read as "Done flag built from different signals")
_NOT_DONE_MASK = re.compile(r"action|avail|legal|invalid|attn|attention|causal|pad|seq|rnn|token|loss|obs"
                            r"|img|image|pixel|patch|video|frame|temporal|camera|depth")


# `term` as a summand or a manager's entry, not as "terminal": `reward_term`, `_group_obs_term_history_buffer`,
# `_term_names`, `term_cfg` (mjlab ebfd43e2..0eda4e73 observation_manager.py: an observation term's history buffer,
# indexed per term name, read as a done flag, so "Time indexing changed in the return computation", significant)
_SUM_TERM = re.compile(r"(obs|observation|reward|rew|action|command|motion|event|mode|group|class|cost|penalty"
                       r"|curriculum|loss|regulari[sz]er|common|get|resolve|[xyz])_terms?($|_)"
                       r"|(^|_)terms?_(names?|cfgs?|configs?|dims?|history|funcs?|functions?|weights?|manager"
                       r"|class(es)?|params?|scales?|ids?|idx|keys?|time|reset|last)")


# words a mask of episode ends is named with besides `mask` itself: a side or slice of the rollout (`b_masks`,
# `next_masks`, `masks_t`) or an episode-end word (`done_mask`, `bad_masks`, `not_done_mask`). Any other word says what
# else the mask selects: `close_to_wall_mask`, `slowdown_mask`, `possession_mask` (VMAS 659c3906..e28625bb football.py:
# a scripted opponent's steering masks were "Done masking removed from the return/advantage computation", critical)
_EPISODE_MASK_WORDS = frozenset({
    "mask", "masks", "b", "mb", "batch", "minibatch", "mini", "next", "prev", "previous", "old", "new", "cur", "current",
    "t", "tp1", "t1", "all", "rollout", "rollouts", "buffer", "buf", "storage", "episode", "episodes", "ep", "not",
    "non", "no", "env", "envs", "step", "steps", "bad", "is", "flat", "flattened", "n", "np", "tensor", "th", "reset",
    "resets", "live", "living", "value", "values", "v", "q", "bootstrap", "discount", "gamma", "return", "returns",
    "torch", "raw", "agent", "agents", "target", "tgt", "last", "final", "end", "ends", "sample", "samples", "data",
})


def _selection_mask(lowered: str) -> bool:
    """A mask named for something other than an episode end: a word beside `mask` that is neither a rollout side
    nor a done word."""
    words = [w for w in lowered.strip("_").split("_") if w and not w.isdigit()]
    return "mask" in lowered and not _DONE_WORD.search(lowered) and not _TRUNCATION_WORD.search(lowered) \
        and any(w not in _EPISODE_MASK_WORDS for w in words)


@lru_cache(maxsize=4096)
def role(name: str) -> str | None:
    """The role of an identifier (`b_values` -> 'values'), or None when it has no RL meaning."""
    lowered = name.lower()
    if _SUM_TERM.search(lowered):
        lowered = re.sub(r"(?<![a-z])term(?=s?(?![a-z]))", "summand", lowered)
    if _RECORD.search(lowered):
        return None
    if "mask" in lowered and (_NOT_DONE_MASK.search(lowered) or _selection_mask(lowered)):
        return None  # action / attention / padding masks, or masks named for anything else, are not episode masks
    for label, pattern in _ROLES:
        if pattern.search(lowered):
            if label == "values":
                if re.search(r"new|pred|cur", lowered):
                    return "new_values"
                if lowered.startswith("next"):
                    return "next_values"
            return label
    return None


_DONE_WORD = re.compile(_DONE_WORDS)
_TRUNCATION_WORD = re.compile(r"trunc|time_?out|time_limit")


@lru_cache(maxsize=4096)
def generic_mask(name: str) -> bool:
    """A done-role name only through the word `mask` (`mask`, `self.mask`, `get_mask`, `masks`): it may hold
    episode ends (`masks` of pytorch-a2c-ppo-acktr-gail) or anything else a mask selects (a causal
    attention mask); names that say done / terminal are not generic."""
    return role(name) == "dones" and not _DONE_WORD.search(name.lower())


def is_coefficient(name: str) -> bool:
    return bool(re.search(r"coef|coeff|weight|scale|(^|_)beta($|_)|(^|_)alpha($|_)", name.lower()))
