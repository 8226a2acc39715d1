"""A script's `--mode` dispatch restructured while every mode still calls the same functions.

Real shape (PufferLib 9aa817f7..d4d17e69, `demo.py`): `if args.mode == 'sweep': args.track = True elif
args.baseline: ...` followed by `if args.mode == 'train': train(...) elif args.mode == 'sweep': ...` became
one chain with a new `elif args.mode == 'evaluate': rollout(...)` arm; the unchanged `if args.mode ==
'train':` and the new evaluation arm were "Behavioural change in the optimizer path" (significant, #1).
Three general causes, one test pair each:
- an `elif` arm testing the dispatch subject against another constant does not decide whether the
  other such arms run (`units._dependent_arms`);
- a header moved across a store into another field of the object it reads (`args.group = ...` vs
  `if args.mode == ...`) is moved, not changed (`diff._fields_apart`);
- a nested function's free name that its enclosing function binds (`def sweep(args): def main():
  train(args)`) is not a reader of the module's global of that name (`graph.enclosing_names`).
"""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAINER = """
import torch


def train(args):
    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for batch in args.batches:
        loss = model(batch).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def evaluate_policy(args):
    print(args.lr)
"""

SCRIPT = """
import argparse

from trainer import train, evaluate_policy


def sweep(args):
    def main():
        args.run_id = str(args.lr)
        train(args)
    main()


parser = argparse.ArgumentParser()
args = parser.parse_args()
DISPATCH
"""

CHAIN = """\
if args.mode == 'train':
    train(args)
elif args.mode == 'sweep':
    train(args)
"""


def _findings(base_dispatch: str, cand_dispatch: str, script: str = SCRIPT) -> list[tuple[str, str]]:
    base = {"trainer.py": TRAINER, "run.py": script.replace("DISPATCH\n", base_dispatch)}
    cand = {"trainer.py": TRAINER, "run.py": script.replace("DISPATCH\n", cand_dispatch)}
    return [(f.severity.value, f.title) for f in flow_findings(base, cand)]


def _significant(base_dispatch: str, cand_dispatch: str, script: str = SCRIPT) -> list[str]:
    return [t for s, t in _findings(base_dispatch, cand_dispatch, script) if s in ("critical", "significant")]


def test_a_new_evaluation_arm_in_a_mode_dispatch_is_not_the_training_path() -> None:
    cand = CHAIN.replace("elif args.mode == 'sweep':",
                         "elif args.mode == 'evaluate':\n    evaluate_policy(args)\nelif args.mode == 'sweep':")
    assert _findings(CHAIN, cand) == []  # main gave a low "new case for value 'evaluate'" on the optimizer path


def test_a_new_arm_on_another_flag_still_decides_whether_the_sweep_trains() -> None:
    cand = CHAIN.replace("elif args.mode == 'sweep':",
                         "elif args.mode.startswith('s'):\n    evaluate_policy(args)\nelif args.mode == 'sweep':")
    assert _significant(CHAIN, cand)


STORE_THEN_DISPATCH = """\
args.group = 'baseline'
if args.mode == 'train':
    evaluate_policy(0)
"""
DISPATCH_THEN_STORE = """\
if args.mode == 'train':
    evaluate_policy(0)
args.group = 'baseline'
"""


def test_a_header_moved_across_a_store_into_another_field_is_moved_not_changed() -> None:
    from investigator.detectors.pairs import FunctionPair
    from investigator.flow.diff import changed_units
    from investigator.flow.graph import linked_flows
    from tests.flow.support import pair_index

    def changes(base: str, cand: str) -> list[str]:
        index = pair_index({"run.py": SCRIPT.replace("DISPATCH\n", base)}, {"run.py": SCRIPT.replace("DISPATCH\n", cand)})
        flows = linked_flows(index)
        pair: FunctionPair = next(p for p in index.changed_pairs() if p.cand is not None and p.cand.is_module)
        assert pair.base is not None and pair.cand is not None
        found = changed_units(pair, flows["baseline"].units(pair.base), flows["candidate"].units(pair.cand))
        return [type(u.node).__name__ for c in found for u in (c.base, c.cand) if u is not None]

    assert changes(STORE_THEN_DISPATCH, DISPATCH_THEN_STORE) == []
    same_field = (STORE_THEN_DISPATCH.replace("args.group = 'baseline'", "args.mode = 'train'"),
                  DISPATCH_THEN_STORE.replace("args.group = 'baseline'", "args.mode = 'train'"))
    assert changes(*same_field)


SWEEP = """\
if args.mode == 'sweep':
    sweep(args)
"""


def test_a_store_into_the_script_args_does_not_reach_a_nested_function_with_its_own_args() -> None:
    base = SWEEP + "args.lr = 0.1\n"
    cand = SWEEP + "args.lr = 0.2\n"
    assert _significant(base, cand) == []


def test_a_nested_function_reading_the_module_global_is_still_its_reader() -> None:
    script = SCRIPT.replace("def sweep(args):", "def sweep():")
    base = SWEEP.replace("sweep(args)", "sweep()") + "args.lr = 0.1\n"
    cand = SWEEP.replace("sweep(args)", "sweep()") + "args.lr = 0.2\n"
    assert _significant(base, cand, script)
