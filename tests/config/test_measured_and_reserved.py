"""Two kinds of configuration-looking values that do not change what a run computes.

1. A dict literal entry that reads a computed tensor back (`kl.sum().item() / n`) is a measurement of the run (a
   metric for a logger), not a setting. Real shape: nano-aha-moment 1085ceaf..6cd0306d, `compute_pg_loss` returns
   `metrics = {"kl_penalty": kl_penalty.sum().item() / total_response_len, ...}`; the divisor became
   `total_response_len.item()` and "Config `metrics.kl_penalty` changed" was significant, second of its range.
2. An inference engine's memory reservation (vLLM's `gpu_memory_utilization` 0.2 -> 0.3 in the same range, first of
   it) is low, not a device choice matched by `gpu*`.

Negatives: a dict entry that is a setting (`"kl_coef": 0.05` beside the measurements) stays a configuration key, and
a device choice (`gpu_id`) keeps its significant rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.config.helpers import effective_of, values
from tests.support.gitrepo import commit_files

MAIN = '''\
    import torch
    import wandb
    from vllm import LLM


    def compute_pg_loss(policy_model, batch, total_response_len):
        logps = policy_model(batch)
        kl_penalty = torch.exp(batch["ref"] - logps) - (batch["ref"] - logps) - 1
        settings = {"kl_coef": {kl_coef}, "clip": 0.2}
        loss = (-logps * batch["adv"] + settings["kl_coef"] * kl_penalty).sum() / total_response_len
        metrics = {
            "kl_penalty": kl_penalty.sum().item() / {divisor},
            "policy_loss": loss.item(),
        }
        return loss, metrics


    def main():
        engine = LLM(model="qwen", gpu_memory_utilization={mem}, gpu_id={gpu})
        for batch in engine.generate([]):
            loss, metrics = compute_pg_loss(None, batch, batch["n"])
            loss.backward()
            wandb.log(metrics)


    if __name__ == "__main__":
        main()
'''


def _main(kl_coef: str = "0.05", divisor: str = "total_response_len", mem: str = "0.2", gpu: str = "0") -> str:
    return textwrap.dedent(MAIN).replace("{kl_coef}", kl_coef).replace("{divisor}", divisor) \
        .replace("{mem}", mem).replace("{gpu}", gpu)


def _run(tmp_path: Path, cand: str) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {"main.py": _main()}, "baseline")
    c = commit_files(repo, {"main.py": cand}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _titles(result: AnalyzerResult) -> dict[str, str]:
    return {f.title: f.severity.value for f in result.findings}


def test_a_metric_read_back_from_a_tensor_is_no_configuration_key() -> None:
    config, _ = effective_of({"main.py": _main()})
    keys = values(config)
    assert not any("kl_penalty" in k or "policy_loss" in k for k in keys), keys
    assert keys.get("kl_coef") == 0.05, keys  # the setting of the same function is still read


def test_a_setting_in_a_dict_literal_stays_a_configuration_key(tmp_path: Path) -> None:
    titles = _titles(_run(tmp_path, _main(kl_coef="0.5")))
    assert any("kl_coef" in t for t in titles), titles


def test_an_engine_memory_reservation_is_low(tmp_path: Path) -> None:
    titles = _titles(_run(tmp_path, _main(mem="0.3")))
    found = [(t, s) for t, s in titles.items() if "gpu_memory_utilization" in t]
    assert found and all(s == "low" for _, s in found), titles


def test_a_device_choice_keeps_its_severity(tmp_path: Path) -> None:
    titles = _titles(_run(tmp_path, _main(gpu="1")))
    found = [(t, s) for t, s in titles.items() if "gpu_id" in t]
    assert found and all(s == "significant" for _, s in found), titles
