from __future__ import annotations

import pytest

from investigator.models import SUBSYSTEMS, Severity
from investigator.playbooks_lib.schema import PlaybookError, load_playbooks


def test_every_subsystem_has_a_valid_playbook():
    playbooks = load_playbooks()
    assert set(playbooks.playbooks) == set(SUBSYSTEMS)
    for pb in playbooks:
        assert len(pb.hypotheses) >= 3
        assert pb.signals.paths or pb.signals.identifiers
        for h in pb.hypotheses:
            assert h.statement and h.supports and h.refutes and h.fix


def test_config_rules_rank_learning_dynamics_above_intervals():
    playbooks = load_playbooks()
    assert playbooks.config_rule_for("trainer.learning_rate")[1].severity == Severity.critical
    assert playbooks.config_rule_for("env.rewards.gem")[0].subsystem == "env"
    pb, rule = playbooks.config_rule_for("trainer.checkpoint_interval")
    assert pb.subsystem == "checkpointing" and rule.severity == Severity.low and rule.kind == "interval"
    assert playbooks.config_rule_for("project.description") is None


def test_invalid_playbook_is_rejected_with_its_name(tmp_path):
    (tmp_path / "bad.yaml").write_text("subsystem: trainer\ntitle: t\ndescription: d\nsignals: {}\nhypotheses: []\n")
    with pytest.raises(PlaybookError, match="bad.yaml"):
        load_playbooks(tmp_path)


def test_unknown_subsystem_is_rejected(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "subsystem: rocket\ntitle: t\ndescription: d\nsignals: {}\nhypotheses:\n"
        + "".join(f"  - {{id: h{i}, statement: s, supports: s, refutes: r, severity: low, fix: f}}\n" for i in range(3))
    )
    with pytest.raises(PlaybookError, match="unknown subsystem"):
        load_playbooks(tmp_path)
