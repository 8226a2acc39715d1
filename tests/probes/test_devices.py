"""Device slots: CUDA found by a subprocess query (mocked here), CPU slots that never oversubscribe."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from investigator.git.errors import InputError
from investigator.probes import devices
from investigator.probes.devices import cpu_slots, detect_slots

SMI_TWO = "0, GPU-aaa, NVIDIA H200, 143771\n1, GPU-bbb, NVIDIA H200, 143771\n"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("CUDA_DEVICE_ORDER", raising=False)
    monkeypatch.setattr(devices, "_may_have_gpu", lambda: True)
    devices.cuda_devices.cache_clear()
    yield
    devices.cuda_devices.cache_clear()


def _fake(monkeypatch: pytest.MonkeyPatch, smi: str | None, torch: str | None = "[]") -> list[list[str]]:
    calls: list[list[str]] = []

    def run(argv: list[str]) -> str | None:
        calls.append(argv)
        return smi if argv[0] == "nvidia-smi" else torch

    monkeypatch.setattr(devices, "_run", run)
    return calls


def test_no_gpu_gives_cpu_slots_and_cuda_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake(monkeypatch, smi=None, torch="[]")
    monkeypatch.setattr(devices.os, "cpu_count", lambda: 2)
    slots = detect_slots("auto")
    assert [s.device for s in slots] == ["cpu", "cpu"]
    assert slots[0].env == {"CUDA_VISIBLE_DEVICES": "", "INVESTIGATOR_DEVICE": "cpu", "OMP_NUM_THREADS": "1",
                            "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with pytest.raises(InputError, match="--device cuda: no CUDA device found"):
        detect_slots("cuda")
    assert [c[0] for c in calls] == ["nvidia-smi", calls[1][0]]  # queried once: cached per process
    assert calls[1][1] == "-c"


def test_two_gpus_one_slot_each_pinned_by_visible_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake(monkeypatch, smi=SMI_TWO)
    monkeypatch.setattr(devices.os, "cpu_count", lambda: 16)
    slots = detect_slots("auto")
    assert [(s.device, s.env["CUDA_VISIBLE_DEVICES"], s.env["INVESTIGATOR_DEVICE"]) for s in slots] == [
        ("cuda:0", "0", "cuda"), ("cuda:1", "1", "cuda")]
    assert slots[0].env["OMP_NUM_THREADS"] == "8" and slots[0].env["CUDA_DEVICE_ORDER"] == "PCI_BUS_ID"
    assert slots[1].info == "cuda:1 (NVIDIA H200, 140 GiB)"
    assert [s.device for s in detect_slots("cuda", per_device=2)] == ["cuda:0", "cuda:0", "cuda:1", "cuda:1"]
    assert [s.device for s in detect_slots("cuda:1")] == ["cuda:1"]
    with pytest.raises(InputError, match=r"--device cuda:5: no such CUDA device \(found 2: 0, 1\)"):
        detect_slots("cuda:5")
    assert [s.device for s in detect_slots("cpu")] == ["cpu"] * 4  # cpu asked: GPUs present are not used
    assert len(calls) == 1


def test_nvidia_smi_missing_falls_back_to_torch_in_a_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(monkeypatch, smi=None, torch='[["NVIDIA A100", 40960], ["NVIDIA A100", 40960]]\n')
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")  # the user's restriction: torch's ordinals map onto it
    slots = detect_slots("auto")
    assert [(s.device, s.env["CUDA_VISIBLE_DEVICES"]) for s in slots] == [("cuda:0", "2"), ("cuda:1", "3")]
    assert devices.cuda_devices()[0].source == "torch"


def test_users_visible_devices_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake(monkeypatch, smi=SMI_TWO)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-bbb")
    assert [s.env["CUDA_VISIBLE_DEVICES"] for s in detect_slots("auto")] == ["1"]
    devices.cuda_devices.cache_clear()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # no GPU for this process: not even queried
    calls.clear()
    assert [s.device for s in detect_slots("auto")][0] == "cpu" and calls == []


def test_no_driver_no_torch_query(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _fake(monkeypatch, smi=None, torch='[["NVIDIA A100", 40960]]')
    monkeypatch.setattr(devices, "_may_have_gpu", lambda: False)
    assert devices.cuda_devices() == () and [c[0] for c in calls] == ["nvidia-smi"]


def test_query_failures_mean_no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    real = devices._run
    _fake(monkeypatch, smi="garbage line\n", torch="Traceback: no torch")
    assert devices.cuda_devices() == ()
    devices.cuda_devices.cache_clear()
    _fake(monkeypatch, smi=None, torch="Traceback: no torch")
    assert devices.cuda_devices() == ()
    assert real(["no-such-program-investigator"]) is None  # missing executable: None, no exception
    assert real([sys.executable, "-c", "import sys; sys.exit(3)"]) is None
    assert real([sys.executable, "-c", "print(7)"]) == "7\n"


@pytest.mark.parametrize(("cores", "threads", "expected"), [(2, None, (2, 1)), (16, None, (4, 4)), (2, 2, (1, 2)),
                                                            (8, 100, (1, 8)), (64, None, (8, 4))])
def test_cpu_slots_never_oversubscribe(monkeypatch: pytest.MonkeyPatch, cores: int, threads: int | None,
                                       expected: tuple[int, int]) -> None:
    monkeypatch.setattr(devices.os, "cpu_count", lambda: cores)
    slots = cpu_slots(threads)
    got = (len(slots), int(slots[0].env["OMP_NUM_THREADS"]))
    assert got == expected and got[0] * got[1] <= cores


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "tpu:0", ""])
def test_unknown_device_spec(spec: str) -> None:
    with pytest.raises(InputError, match="expected auto, cpu, cuda or cuda:N"):
        detect_slots(spec)
