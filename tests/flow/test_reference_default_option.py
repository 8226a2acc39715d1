"""A new constructor option whose default names the class the baseline built: the same class is built.

Real shape (allenact 5b2b70a0..97620944, `allenact/embodiedai/models/visual_nav_models.py:146`, noise class N2):
`VisualNavActorCritic.__init__` gained `auxiliary_model_class=AuxiliaryModel`, stored as
`self.auxiliary_model_class`, and `create_aux_models` built `self.auxiliary_model_class(aux_uuid=..., ...)` where it
built `AuxiliaryModel(...)`: "Behavioural change in the loss path", significant, #3 of the range. Negatives: a
caller that passes another class, a default naming another class than the baseline's.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

MODEL = """
    import torch
    import torch.nn as nn


    class AuxiliaryModel(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.head = nn.Linear(dim, 1)

        def forward(self, x):
            return self.head(x)


    class OtherAux(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.head = nn.Linear(dim, 2)

        def forward(self, x):
            return self.head(x).sum(-1)


    class ActorCritic(nn.Module):
        def __init__(self, dim, aux_names{param}):
            super().__init__()
            self.dim = dim
            self.aux_names = aux_names
{store}
            self.body = nn.Linear(dim, dim)
            self.create_aux_models()

        def create_aux_models(self):
            aux = {{}}
            for name in self.aux_names:
                aux[name] = {built}(self.dim)
            self.aux_models = nn.ModuleDict(aux)

        def forward(self, x):
            h = self.body(x)
            return sum(m(h) for m in self.aux_models.values())


    def train(data):
        model = ActorCritic(4, ["cpca"]{arg})
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for x in data:
            loss = model(x).pow(2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""
BASE = MODEL.format(param="", store="", built="AuxiliaryModel", arg="")


def _loud(default: str = "AuxiliaryModel", arg: str = "") -> list[str]:
    cand = MODEL.format(param=f", auxiliary_model_class={default}",
                        store="            self.auxiliary_model_class = auxiliary_model_class",
                        built="self.auxiliary_model_class", arg=arg)
    return [f.title for f in flow_findings({"model.py": BASE}, {"model.py": cand}) if f.severity.value != "low"]


def test_a_class_option_defaulting_to_the_baseline_class_builds_it() -> None:
    assert _loud() == []


def test_a_caller_passing_another_class_keeps_the_change() -> None:
    assert _loud(arg=", auxiliary_model_class=OtherAux")


def test_a_default_naming_another_class_keeps_the_change() -> None:
    assert _loud(default="OtherAux")
