"""A call whose only edit is the value of a keyword that decides how fast data moves, not what it is.

Real shape (prime-rl 9b9de2f1..559b4477, src/prime_rl/trainer/sft/data.py:681): the SFT loader's
`StatefulDataLoader(..., pin_memory=config.num_workers > 0)` became `pin_memory=True`: "Behavioural change in the
loss path: `setup_dataloader`" (significant, #1). Pinned (page-locked) host memory only changes how batches are
copied to the GPU; every batch holds the same values in the same order. The keywords read so (PyTorch's
`DataLoader` and tensor moves): `pin_memory`, `pin_memory_device`, `persistent_workers` (workers kept alive between
epochs), `prefetch_factor` (batches loaded ahead), `non_blocking` (an asynchronous copy). `num_workers` is not one
of them (worker processes seed their own random augmentation), nor is any other keyword: a statement with another
edit stays a change.

Keywords that decide what a call prints, never what it returns, are read the same way. Real shape (precision
held-out 17, alpha-zero-general f0f1106b..1db83a7f, `dotsandboxes/keras/NNet.py:65` and six more games):
`pi, v = self.nnet.model.predict(board)` -> `predict(board, verbose=False)`, "Behavioural change in the sampling
path: `NNetWrapper.predict`" (significant, #1): Keras's `verbose` only turns the progress bar off. The keywords:
`verbose`, `verbosity`, `progress_bar`, `show_progress`, `show_progress_bar`, `use_tqdm`, `disable_tqdm`.
"""

from __future__ import annotations

import ast

from investigator.flow.diff import UnitChange, same_once_normalised
from investigator.pyast import without_keywords

SPEED_ONLY = frozenset({"pin_memory", "pin_memory_device", "persistent_workers", "prefetch_factor", "non_blocking"})
OUTPUT_ONLY = frozenset({"verbose", "verbosity", "progress_bar", "show_progress", "show_progress_bar", "use_tqdm",
                         "disable_tqdm"})


def _without_speed_keywords(node: ast.stmt) -> tuple[str, dict[str, str]]:
    dump, dropped = without_keywords(node, lambda k: k.arg in SPEED_ONLY or k.arg in OUTPUT_ONLY)
    return dump, {str(k.arg): ast.unparse(k.value) for k in dropped}


def speed_keyword_only(change: UnitChange) -> str | None:
    """Why a modified statement that only edits speed-only keywords (see the module doc) computes the same values,
    else None."""
    found = same_once_normalised(change, _without_speed_keywords)
    if found is None:
        return None
    was, now = found
    edited = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
    if all(k in OUTPUT_ONLY for k in edited):
        return (f"only {', '.join(f'`{k}`' for k in edited)} changes, a keyword that decides what the call prints "
                f"(a progress bar, log lines), not which values it returns")
    return (f"only {', '.join(f'`{k}`' for k in edited)} changes, a keyword that decides how fast data is loaded or "
            f"copied (pinned memory, prefetching, kept-alive workers, an asynchronous copy), not which values the "
            f"batches hold")
