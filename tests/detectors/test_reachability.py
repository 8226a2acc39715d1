"""Changes in code never executed at the baseline are NoEffectChange entries, not findings."""

from __future__ import annotations

from tests.detectors.helpers import run_on

CLIP = "import torch.nn as nn\n\n\ndef {name}(m, opt, loss):\n    loss.backward()\n    nn.utils.clip_grad_norm_(m.parameters(), {norm})\n    opt.step()\n"


def test_change_in_function_without_callers_is_no_effect() -> None:
    base = {"a.py": CLIP.format(name="old_step", norm="0.5")}
    cand = {"a.py": CLIP.format(name="old_step", norm="50.0")}
    result = run_on(base, cand, reachable=False)
    assert not result.findings
    assert result.no_effect and "no callers" in result.no_effect[0].reason
    assert {loc.side for loc in result.no_effect[0].locations} == {"baseline", "candidate"}


def test_same_change_in_called_function_is_a_finding() -> None:
    base = {"a.py": CLIP.format(name="old_step", norm="0.5"), "main.py": "from a import old_step\nold_step(1, 2, 3)\n"}
    cand = {"a.py": CLIP.format(name="old_step", norm="50.0"), "main.py": "from a import old_step\nold_step(1, 2, 3)\n"}
    result = run_on(base, cand)
    assert [f.source for f in result.findings] == ["code_detectors.grad_clip"]
    assert not result.no_effect


def test_method_of_unreferenced_class_is_no_effect() -> None:
    body = "class Cosine:\n    def step(self, opt):\n        opt.param_groups[0]['lr'] = self.lr\n        self.scheduler.step()\n"
    result = run_on({"s.py": body}, {"s.py": body.replace("        self.scheduler.step()\n", "")}, reachable=False)
    assert not result.findings
    assert "Cosine" in result.no_effect[0].reason


def test_decorated_function_counts_as_reachable() -> None:
    base = {"a.py": "@app.command\n" + CLIP.format(name="cli_step", norm="0.5").split("\n\n\n")[1]}
    base["a.py"] = "import torch.nn as nn\n\n\n" + base["a.py"]
    cand = {"a.py": base["a.py"].replace("0.5", "5.0")}
    assert run_on(base, cand, reachable=False).findings


def test_edit_inside_code_commented_out_at_both_commits_is_no_effect() -> None:
    base = {"a.py": "def f():\n    return 1\n\n# def g(x):\n#     y = x + 1\n#     return y\n"}
    cand = {"a.py": "def f():\n    return 1\n\n# def g(x):\n#     y = x + 2\n#     return y\n"}
    result = run_on(base, cand)
    assert not result.findings
    assert any("commented out at both commits" in n.reason for n in result.no_effect)


def test_commenting_out_an_uncalled_module_is_no_effect() -> None:
    body = "import math\n\n\ndef cosine(x, n):\n    p = x / n\n    return 0.5 * (1 + math.cos(math.pi * p))\n"
    commented = "import math\n\n\n" + "".join("# " + line + "\n" for line in body.split("\n\n\n")[1].splitlines())
    result = run_on({"sched.py": body}, {"sched.py": commented}, reachable=False)
    assert not result.findings
    assert result.no_effect and "no callers" in result.no_effect[0].reason


SCHEDULE = '''"""Learning-rate schedules."""

import math


class CosineSchedule:
    def __init__(self, optimizer, total):
        self.optimizer = optimizer
        self.total = total
        self.count = 0

    def step(self):
        self.count += 1
        for group in self.optimizer.param_groups:
            group["lr"] = 0.5 * (1 + math.cos(math.pi * self.count / self.total))
'''


def _commented(text: str) -> str:
    return "# TODO re-enable with the new config system #cfg-migration\n" + "".join(
        ("# " + line).rstrip() + "\n" for line in text.splitlines()
    )


def test_module_commented_out_with_todo_tag_never_used_is_no_effect() -> None:
    result = run_on({"sched.py": SCHEDULE}, {"sched.py": _commented(SCHEDULE)}, reachable=False)
    assert not result.findings
    assert "CosineSchedule" in result.no_effect[0].reason


def test_module_commented_out_while_used_is_a_finding_with_a_restoring_patch() -> None:
    main = "from sched import CosineSchedule\nsched = CosineSchedule(opt, 10)\n"
    result = run_on({"sched.py": SCHEDULE, "main.py": main}, {"sched.py": _commented(SCHEDULE), "main.py": main})
    finding = next(f for f in result.findings if f.source.endswith("comment_out"))
    assert finding.subsystem == "trainer" and finding.evidence[0].details["tagged"] is True
    assert finding.patch and "+class CosineSchedule:" in finding.patch
