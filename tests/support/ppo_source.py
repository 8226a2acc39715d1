"""The CleanRL-style PPO code the tests analyse, read from the demo's template where the demo keeps it.

Why: one copy of the PPO source (GAE, clipped update) serves the demo and the per-detector cases, so
no test carries a copy that could drift from the others. The evaluation suite's fixture project
(`tests/fixtures/detectors/_project/ppo/gae.py`) is a file, checked equal to `GAE_MODULE` by a test.
"""

from __future__ import annotations

import ast
from importlib import resources

_TEMPLATES = "investigator.demo.templates"


def template_function(name: str, template: str = "ppo.py") -> str:
    """The source of top-level function `name` in a demo template, as written there (ends in a newline)."""
    text = resources.files(_TEMPLATES).joinpath(template).read_text()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            segment = ast.get_source_segment(text, node)
            if segment:
                return segment + "\n"
    raise LookupError(f"{template} defines no function {name!r}")


# A module holding only the demo's GAE (`compute_gae`): torch tensors, shape [num_steps, num_envs].
GAE_MODULE = "import torch\n\n\n" + template_function("compute_gae")
