"""A call that could not bind to its callee at the baseline, made to fit, is a likely fix (low).

Real shape (PufferLib): `class Policy(pufferlib.models.Default)` called
`super().__init__(env, input_size, hidden_size)` while `Default.__init__(self, env, hidden_size=128)`
takes two arguments: constructing the policy raised TypeError; a later commit passed
`(env, hidden_size)` and was reported "Behavioural change in the architecture path", significant.
Negative twins: a call that did bind (a real change of arguments), and a callee that takes `*args`."""

from __future__ import annotations

import ast

from investigator.flow.signature import misfit
from investigator.models import Finding, Severity
from tests.flow.support import flow_findings

MODELS = """
    import torch.nn as nn


    class Default(nn.Module):
        def __init__(self, env, SIGNATURE):
            super().__init__()
            self.encoder = nn.Linear(env.obs_size, hidden_size)
            self.actor = nn.Linear(hidden_size, env.n_actions)

        def forward(self, obs):
            return self.actor(self.encoder(obs))
"""

POLICY = """
    from models import Default


    class Policy(Default):
        def __init__(self, env, input_size=64, hidden_size=64):
            super().__init__(CALL)


    def train(env, optimizer_cls, batches):
        policy = Policy(env)
        optimizer = optimizer_cls(policy.parameters())
        for obs, target in batches:
            loss = ((policy(obs) - target) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _findings(signature: str, base_call: str, cand_call: str) -> list[Finding]:
    models = MODELS.replace("SIGNATURE", signature)
    return flow_findings({"models.py": models, "policy.py": POLICY.replace("CALL", base_call)},
                         {"models.py": models, "policy.py": POLICY.replace("CALL", cand_call)})


def test_a_call_that_raised_typeerror_made_to_fit_is_a_likely_fix():
    found = _findings("hidden_size=128", "env, input_size, hidden_size", "env, hidden_size")
    assert len(found) == 1, [f.title for f in found]
    f = found[0]
    assert f.severity is Severity.low and "Call now fits its callee's signature" in f.title, f.title
    assert "takes 2 positional arguments but 3 were given" in f.rationale, f.rationale


def test_a_call_that_did_bind_is_a_change():
    found = _findings("input_size=32, hidden_size=128", "env, input_size, hidden_size", "env, hidden_size")
    assert len(found) == 1 and found[0].severity is Severity.significant, [(f.severity, f.title) for f in found]
    assert "Call now fits" not in found[0].title


def test_a_callee_taking_args_is_not_judged():
    found = _findings("hidden_size=128, *rest", "env, input_size, hidden_size", "env, hidden_size")
    assert len(found) == 1 and found[0].severity is Severity.significant, [(f.severity, f.title) for f in found]


def _misfit(signature: str, call: str, method: bool = True) -> str | None:
    from investigator.detectors.functions import FunctionInfo

    tree = ast.parse(f"def f({'self, ' if method else ''}{signature}):\n    pass\n")
    fn = FunctionInfo(side="baseline", path="m.py", qualname="C.f" if method else "f", node=tree.body[0],
                      class_name="C" if method else None, module=None)  # type: ignore[arg-type]
    expr = ast.parse(f"f({call})", mode="eval").body
    assert isinstance(expr, ast.Call)
    return misfit(expr, fn)


def test_binding_rules():
    assert _misfit("a, b=1", "1, 2") is None
    assert _misfit("a, b=1", "1, 2, 3") == "takes 2 positional arguments but 3 were given"
    assert _misfit("a, b=1", "b=2") == "missing required argument 'a'"
    assert _misfit("a, b=1", "1, a=2") == "got multiple values for argument 'a'"
    assert _misfit("a, b=1", "1, c=2") == "got an unexpected keyword argument 'c'"
    assert _misfit("a, **kw", "1, c=2") is None
    assert _misfit("a, *, k", "1") == "missing required argument 'k'"
    assert _misfit("a, b", "*xs") is None  # not judged
    assert _misfit("a", "1, 2", method=False) == "takes 1 positional argument but 2 were given"
