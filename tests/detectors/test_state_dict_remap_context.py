"""A key remapping needs a state dict: a task-name filter over string markers is none.

Real shape (RLinf a4b6abe2..8aa19aae, rlinf/envs/libero/libero_env.py:339, precision held-out 18, used: #1
"State-dict key mapping changed", M2): the LIBERO-Plus task selection cut a task file's name at the first
perturbation marker, `for marker in ["_view", "_initstate", "_noise", ...]: if marker in clean_name: clean_name =
clean_name.split(marker)[0]`, and the candidate walks a shorter `valid_perts` list. The text of the literal held
"_initstate" (read as a state source) and the loop variable was an operand of `split` (read as a key rewrite).
A real remapping of checkpoint keys (`{k.replace("module.", ""): v for k, v in state_dict.items()}`, a loop over
`ckpt["model"].items()` renaming keys) still fires.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

FILTER = """
import os


def pick_task(file_name, root):
    clean_name = file_name.replace(".bddl", "")
    for marker in {markers}:
        if marker in clean_name:
            clean_name = clean_name.split(marker)[0]
            break
    return [f for f in os.listdir(root) if clean_name in f]
"""

OLD = '["_view", "_initstate", "_noise", "_sample", "_light", "_table", "_add_1", "_lan"]'
NEW = '["_light", "_language", "_table", "_add", "_tb", "_sample", "_level"]'

COMPREHENSION = """
import torch


def load(model, path):
    state_dict = torch.load(path)
    state_dict = {{{key}: v for k, v in state_dict.items()}}
    model.load_state_dict(state_dict)
    return model
"""

LOOP = """
import torch


def load(model, path):
    ckpt = torch.load(path)
    out = {{}}
    for k, v in ckpt["model"].items():
        out[{key}] = v
    model.load_state_dict(out)
    return model
"""


def _titles(base: str, cand: str) -> list[str]:
    result = run_on({"m.py": base}, {"m.py": cand}, only={"strict_load"})
    return [f.title for f in result.findings]


def test_a_task_name_filter_over_string_markers_is_no_state_dict_mapping() -> None:
    assert _titles(FILTER.format(markers=OLD), FILTER.format(markers=NEW)) == []


def test_a_state_dict_key_rewrite_in_a_comprehension_still_fires() -> None:
    titles = _titles(COMPREHENSION.format(key='k.replace("module.", "")'),
                     COMPREHENSION.format(key='k.replace("model.", "")'))
    assert titles == ["State-dict key mapping changed"], titles


def test_a_checkpoint_key_rewrite_in_a_loop_still_fires() -> None:
    titles = _titles(LOOP.format(key="k[7:]"), LOOP.format(key='k.removeprefix("module.")'))
    assert titles == ["State-dict key mapping changed"], titles


def test_a_key_rewritten_by_re_sub_still_fires() -> None:
    base = LOOP.format(key="k").replace("import torch", "import re\nimport torch")
    cand = LOOP.format(key='re.sub(r"^module\\\\.", "", k)').replace("import torch", "import re\nimport torch")
    titles = _titles(base, cand)
    assert titles == ["State-dict key mapping changed"], titles
