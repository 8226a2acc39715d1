"""Never silent: single-hunk edits of a CleanRL-style PPO project that no detector pattern matches are
reported by `behavioural_change`, on the right path, significant, in the top 3 of the whole report;
logging-only and formatting-only edits are not.

The repositories are the detector evaluation suite's generated PPO project (`evalsuite.BASE_FILES`)
with one edit each, investigated end to end (all analyzers, ranking)."""

from __future__ import annotations

from pathlib import Path

import pytest

from investigator.models import Finding, Severity
from investigator.request import InvestigationRequest
from investigator.workflow import run_investigation
from tests.support.evalsuite import BASE_FILES, Variant, baseline_template, build_repo, edits

T, L, G, A, S, E = "ppo/train.py", "ppo/loss.py", "ppo/gae.py", "ppo/agent.py", "ppo/schedules.py", "ppo/envs.py"

# (id, file, old, new, expected path label)
ON_FLOW = [
    ("value_loss_sum", L, "v_loss = 0.5 * v_loss_max.mean()", "v_loss = 0.5 * v_loss_max.sum()", "loss"),
    ("policy_loss_sum", L, "pg_loss = torch.max(pg_loss1, pg_loss2).mean()",
     "pg_loss = torch.max(pg_loss1, pg_loss2).sum()", "loss"),
    ("gae_lambda_dropped", G, "delta + gamma * gae_lambda * nextnonterminal * lastgaelam",
     "delta + gamma * nextnonterminal * lastgaelam", "advantage"),
    ("returns_halved", G, "returns = advantages + values", "returns = (advantages + values) * 0.5", "target"),
    ("reward_scaled", T, "rewards[step] = torch.tensor(reward).to(device).view(-1)",
     "rewards[step] = torch.tensor(reward).to(device).view(-1) * 0.1", "reward"),
    ("lr_schedule_slower", S, "frac = 1.0 - (update - 1.0) / num_updates",
     "frac = 1.0 - (update - 1.0) / (2 * num_updates)", "optimizer"),
    ("minibatch_stride", T, "mb_inds = b_inds[start:end]", "mb_inds = b_inds[start:end:2]", "sampling"),
    ("logits_tempered", A, "probs = Categorical(logits=logits)", "probs = Categorical(logits=logits / 2.0)",
     "architecture"),
]
NO_EFFECT = [
    ("logging_tag", T, 'writer.add_scalar("losses/value_loss", v_loss.item(), global_step)',
     'writer.add_scalar("losses/value_loss_mean", v_loss.item() * 2, global_step)'),
    ("logging_print", T, '        writer.add_scalar("charts/SPS", int(global_step / (time.time() - start_time)), global_step)\n',
     '        writer.add_scalar("charts/SPS", int(global_step / (time.time() - start_time)), global_step)\n'
     '        sps = int(global_step / (time.time() - start_time))\n        print(f"update={update} SPS={sps}")\n'),
    ("formatting_only", L, "    pg_loss = torch.max(pg_loss1, pg_loss2).mean()\n",
     "    pg_loss = torch.max(\n        pg_loss1,\n        pg_loss2,\n    ).mean()  # reformatted\n"),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> str:
    return baseline_template(str(tmp_path_factory.mktemp("flow-base")))


def _investigate(tmp: Path, template: str, name: str, path: str, old: str, new: str) -> list[Finding]:
    assert old in BASE_FILES[path], name  # the edit applies to the shared PPO source
    root = tmp / name
    root.mkdir()
    build_repo(str(root), Variant(name, "bug", name, edits((path, old, new)), path=path), template)
    inv = run_investigation(InvestigationRequest(repo=str(root), baseline_commit="HEAD~1", candidate_commit="HEAD",
                                                 output=root / ".report", formats=["md"]))
    assert not inv.failures, inv.failures
    return inv.findings


@pytest.mark.parametrize(("name", "path", "old", "new", "label"), ON_FLOW, ids=[c[0] for c in ON_FLOW])
def test_one_hunk_change_on_the_flow_is_reported_in_the_top_3(tmp_path, template, name, path, old, new, label):
    findings = _investigate(tmp_path, template, name, path, old, new)
    ours = [f for f in findings if f.source == "behavioural_change"]
    assert len(ours) == 1, [f.title for f in findings]
    f = ours[0]
    assert f.evidence[0].details["path"] == label
    # a mean made a sum is a known edit (flow/edits.py `_reduction_swap`): its own title, the same place
    known = "Reduction changed" if name.endswith("_sum") else "Behavioural change"
    assert f.title.startswith(f"{known} in the {label} path")
    assert f.severity is Severity.significant
    assert f.rank is not None and f.rank <= 3
    assert {loc.side for loc in f.locations} == {"baseline", "candidate"}
    assert all(loc.path == path for loc in f.locations)
    assert f.evidence[0].hunk and "+" in f.evidence[0].hunk
    assert f.patch  # restores the baseline function


@pytest.mark.parametrize(("name", "path", "old", "new"), NO_EFFECT, ids=[c[0] for c in NO_EFFECT])
def test_logging_and_formatting_edits_give_no_significant_finding(tmp_path, template, name, path, old, new):
    findings = _investigate(tmp_path, template, name, path, old, new)
    assert not [f for f in findings if f.source == "behavioural_change"]
    assert not [f.title for f in findings if f.severity.at_least(Severity.significant)]
