"""Values handed to training under a field name: stored as `record["advantages"] = v`, read as `batch.advantages`.

Data pipelines of LLM RL frameworks compute the learning signal in one process (a preprocessor, a rollout
worker) and hand it to the trainer through a queue, a stream or a file: the records are dicts, and the trainer
rebuilds a batch from them and reads the same field by name (`batch.advantages`, `batch["advantages"]`). The
flow cannot follow the queue (`output_queue.put(...)`: an object of unknown class), so a change of the
advantages stopped there and was low.

Real shape: PipelineRL 67654d79..a77dbd72 pipelinerl/finetune/rl/__init__.py:467, `populate_rl_data`'s
group-mean baseline -> the leave-one-out mean `(group_sum - r_i) / (n - 1)`; the advantages are written back
with `entry["advantages"] = advantages_list[i]`, put on the preprocessor's output queue, and `rl_step` reads
`advantages = batch.advantages[:, 1:]` into the policy loss. Filed #16 / #21, low ("could not be followed to
training").

The rule: where the flow stopped without a sink (not logging, not evaluation), a store of the value into an item
under a constant key that is an identifier (`entry["advantages"] = ...`, met on the way) is read by name
elsewhere in the tree (`x.advantages` or `x["advantages"]`, outside tests and examples, in another function);
when the flow from such a reader reaches the loss, a target, an advantage or a reward, the change is placed there,
saying it went through the field's name. Only stores in the changed statement's own module count: the search
over-approximates (a call's result carries every argument), and a configuration update it followed into every
consumer (ChatLearn 3fea4fa2..9ce1e0ba `update_cfg` reaching `s["advantages"] = ...` of advantage_compute.py) writes
no record itself. Keys of metrics (`stats["loss"]`) never get here: a reported statistic ends the search as logging.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from investigator.detectors.pairs import enclosing_function
from investigator.flow.graph import REAL_SINKS, LearningFlow, Placement
from investigator.flow.units import Unit

IDENT = re.compile(r"^[A-Za-z_]\w{2,}$")
MAX_KEYS = 6  # keys of one search tried
MAX_READERS = 8  # readers of one key placed
# sinks a field read by name must reach: the learning signal, not the sampler or environment it also feeds
KEYED_SINKS = frozenset({"loss", "target", "advantage", "reward"})


@dataclass(frozen=True)
class Keyed:
    key: str
    store: Unit  # `entry["advantages"] = ...`
    reader: Unit  # `advantages = batch.advantages[:, 1:]`
    placement: Placement  # the reader's, on the flow

    def text(self) -> str:
        return (f"Its value is stored under the field `{self.key}` (`{self.store.text(70)}`, "
                f"{self.store.fn.path}:{self.store.line}), handed on where the flow cannot follow; "
                f"`{self.reader.text(70)}` ({self.reader.fn.path}:{self.reader.line}) reads that field by name, "
                f"and its value reaches the {self.placement.sink} sink: {self.placement.describe()}.")


def stored_keys(units: list[Unit]) -> list[tuple[str, Unit]]:
    """(key, statement) for the item stores under a constant identifier key among `units`, first seen first."""
    out: list[tuple[str, Unit]] = []
    seen: set[str] = set()
    for u in units:
        node = u.node
        if not isinstance(node, ast.Assign):
            continue
        for t in node.targets:
            if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) \
                    and isinstance(t.slice.value, str) and IDENT.match(t.slice.value) and t.slice.value not in seen:
                seen.add(t.slice.value)
                out.append((t.slice.value, u))
    return out


def _reads(u: Unit, key: str) -> bool:
    """The statement reads `key` as a field of an object that is not `self` (`batch.key`, `batch["key"]`)."""
    for part in u.parts:
        for sub in ast.walk(part):
            if isinstance(sub, ast.Attribute) and sub.attr == key and isinstance(sub.ctx, ast.Load) \
                    and not (isinstance(sub.value, ast.Name) and sub.value.id == "self"):
                return True
            if isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Load) \
                    and isinstance(sub.slice, ast.Constant) and sub.slice.value == key:
                return True
    return False


def keyed_place(placement: Placement, flow: LearningFlow, out_of_scope: re.Pattern[str]) -> Keyed | None:
    """The field read by name that carries the value on to training (see the module), or None."""
    if placement.sink is not None or not placement.stops:
        return None
    home = placement.chain[0].fn.path if placement.chain else None
    for key, store in placement.keyed[:MAX_KEYS]:
        if store.fn.path != home:
            continue  # a store the over-approximating search met in another module (a config update reaching
            # every consumer of the config) is no record the change itself writes
        tried = 0
        for path, line in flow.side.references(key):
            if out_of_scope.search(path) or tried >= MAX_READERS:
                continue
            module = flow.side.module(path)
            fn = enclosing_function(module, line) if module is not None else None
            if fn is None or fn is store.fn:
                continue
            reader = flow.unit_at(fn, line)
            if reader is None or not _reads(reader, key):
                continue
            tried += 1
            there = flow.place([reader])
            if there.sink in REAL_SINKS and there.sink in KEYED_SINKS:
                return Keyed(key, store, reader, there)
    return None
