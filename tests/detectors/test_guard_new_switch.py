"""A class that gains a mode switch declared off: the declaration is no change of any run
(detectors/newfield.py).

Real shape (AReaL 19fec3bd..4aef98d8, areal/experimental/weight_update/gateway/app.py:41): `ConnectRequest`
gains `colocate: bool = False`, read only as `if body.colocate:` (app.py:201), set `colocate=True` only inside
`_connect_colocate`, called only under that test. Negative (CORL 33eba944..2b6cde3f): `TrainConfig` gains
`is_sparse_reward: bool = False` and a shipped configuration sets `is_sparse_reward: true`."""

from __future__ import annotations

from investigator.detectors import guards
from investigator.detectors.guards import Side
from investigator.detectors.newfield import new_switch_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

APP_BASE = '''\
from pydantic import BaseModel


class ConnectRequest(BaseModel):
    pair_name: str
    use_lora: bool = False


class PairInfo(BaseModel):
    name: str


def connect(body):
    return nccl(body.pair_name)
'''

APP_CAND = '''\
from pydantic import BaseModel


class ConnectRequest(BaseModel):
    pair_name: str
    use_lora: bool = False
    colocate: bool = False


class PairInfo(BaseModel):
    name: str
    colocate: bool = False


def connect(body):
    if body.colocate:
        return _connect_colocate(body)
    return nccl(body.pair_name)


def _connect_colocate(body):
    return PairInfo(name=body.pair_name, colocate=True)


def update(pair_info):
    if pair_info.colocate and pair_info.name:
        return "ipc"
    return "nccl"
'''

CLIENT = '''\
def connect(session, pair_name, colocate: bool = False):
    return session.post("/connect", json={"pair_name": pair_name, "colocate": colocate})
'''


def _finding() -> Finding:
    locs = [Location(path="app.py", line=4, side="baseline"), Location(path="app.py", line=7, side="candidate")]
    return Finding(id="behavioural_change:app.py:7", source="behavioural_change", subsystem="architecture",
                   severity=Severity.significant, confidence=0.7, title="Behavioural change: `ConnectRequest`",
                   impact="", rationale="", locations=locs,
                   evidence=[Evidence(kind=EvidenceKind.code, summary="", locations=locs)])


def _sides(cand_app: str = APP_CAND, extra: dict[str, str] | None = None) -> dict[str, Side]:
    base = {"app.py": APP_BASE, "client.py": CLIENT.replace(", colocate: bool = False", "").replace(
        ', "colocate": colocate', "")}
    cand = {"app.py": cand_app, "client.py": CLIENT, **(extra or {})}
    return {"baseline": Side("baseline", base.get, list(base)), "candidate": Side("candidate", cand.get, list(cand))}


def test_a_switch_read_only_as_its_own_truth_test_is_declared_off():
    reason = new_switch_reason(_finding(), _sides())
    assert reason is not None and "`ConnectRequest.colocate` = False" in reason
    _, _, dead, low = guards._verdict(_finding(), _sides())
    assert dead is None and low is not None and "colocate" in low


def test_a_test_file_turning_it_on_does_not_count():
    assert new_switch_reason(_finding(), _sides(extra={"tests/test_app.py": "def test():\n    connect(colocate=True)\n"}))


def test_a_shipped_configuration_turning_it_on_keeps_the_severity():
    assert new_switch_reason(_finding(), _sides(extra={"configs/run.yaml": "pair_name: a\ncolocate: true\n"})) is None
    assert new_switch_reason(_finding(), _sides(extra={"scripts/run.sh": "python -m app --colocate\n"})) is None
    assert new_switch_reason(_finding(), _sides(extra={"configs/run.yaml": "colocate: false\n"})) is not None


def test_a_caller_turning_it_on_keeps_the_severity():
    extra = {"trainer.py": "from client import connect\n\n\ndef run(s):\n    connect(s, 'a', colocate=True)\n"}
    assert new_switch_reason(_finding(), _sides(extra=extra)) is None


def test_a_read_as_a_value_or_a_negated_test_keeps_the_severity():
    cand = APP_CAND.replace('return "nccl"', 'return send(pair_info.colocate)')
    assert new_switch_reason(_finding(), _sides(cand)) is None
    cand = APP_CAND.replace("if body.colocate:", "if not body.colocate:")
    assert new_switch_reason(_finding(), _sides(cand)) is None


def test_a_switch_declared_on_or_a_changed_field_keeps_the_severity():
    cand = APP_CAND.replace("    colocate: bool = False\n\n\nclass PairInfo", "    colocate: bool = True\n\n\nclass PairInfo")
    assert new_switch_reason(_finding(), _sides(cand)) is None
    cand = APP_CAND.replace("    use_lora: bool = False\n    colocate", "    use_lora: bool = True\n    colocate")
    assert new_switch_reason(_finding(), _sides(cand)) is None
