"""The device pool: which slots probe jobs run in (one per CUDA device, or CPU slots with thread limits).

Why a subprocess query: initialising CUDA in the investigator's process would pin memory on every
GPU and fork badly; `nvidia-smi` (or, failing that, a short `python -c` asking torch) tells which
devices exist, and each job is pinned to one with `CUDA_VISIBLE_DEVICES`. CPU slots split the cores
so that slots x threads never oversubscribes the machine (`OMP_NUM_THREADS` and friends).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass

from investigator.git.errors import InputError
from investigator.probes.runner import Slot

_QUERY_TIMEOUT_S = 20.0
_MAX_CPU_SLOTS = 8
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_TORCH_QUERY = (
    "import json, torch\n"
    "n = torch.cuda.device_count() if torch.cuda.is_available() else 0\n"
    "print(json.dumps([[torch.cuda.get_device_name(i), torch.cuda.get_device_properties(i).total_memory // 2**20]"
    " for i in range(n)]))"
)


@dataclass(frozen=True)
class DeviceInfo:
    """One CUDA device as the report shows it. `visible` is what `CUDA_VISIBLE_DEVICES` gets."""

    index: int
    name: str
    memory_mb: int | None = None
    visible: str = ""
    source: str = "nvidia-smi"  # how it was found: nvidia-smi or torch
    uuid: str = ""

    def describe(self) -> str:
        memory = f", {self.memory_mb / 1024:.0f} GiB" if self.memory_mb else ""
        return f"cuda:{self.index} ({self.name}{memory})"


def _parent_visible() -> list[str] | None:
    """The devices this process may use (`CUDA_VISIBLE_DEVICES` of the user), None when unset."""
    value = os.environ.get("CUDA_VISIBLE_DEVICES")
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip() and v.strip() != "-1"]


def _run(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_QUERY_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _from_nvidia_smi(text: str) -> list[DeviceInfo]:
    devices = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 4 or not parts[0].isdigit():
            continue
        memory = parts[3].split()[0] if parts[3] else ""
        devices.append(DeviceInfo(index=int(parts[0]), name=parts[2], visible=parts[0], uuid=parts[1],
                                  memory_mb=int(memory) if memory.isdigit() else None))
    allowed = _parent_visible()
    if allowed is not None:  # the user restricted this process: honour it (by index or by UUID)
        devices = [d for d in devices if d.visible in allowed or d.uuid in allowed]
    return devices


def _from_torch(text: str) -> list[DeviceInfo]:
    try:
        rows = json.loads(text.strip().splitlines()[-1]) if text.strip() else []
    except ValueError:
        return []
    allowed = _parent_visible()
    devices = []
    for i, row in enumerate(rows if isinstance(rows, list) else []):
        visible = allowed[i] if allowed is not None and i < len(allowed) else str(i)
        name, memory = (row + [None, None])[:2] if isinstance(row, list) else (str(row), None)
        devices.append(DeviceInfo(index=i, name=str(name), memory_mb=int(memory) if isinstance(memory, int) else None,
                                  visible=visible, source="torch"))
    return devices


def _may_have_gpu() -> bool:
    """False only where a GPU is surely absent: Linux without the NVIDIA driver's or ROCm's device nodes."""
    if not sys.platform.startswith("linux"):
        return True
    return any(os.path.exists(p) for p in ("/dev/nvidiactl", "/proc/driver/nvidia", "/dev/kfd", "/dev/dxg"))


@functools.lru_cache(maxsize=8)
def cuda_devices(python: str = sys.executable) -> tuple[DeviceInfo, ...]:
    """The CUDA devices this machine offers (cached per process): `nvidia-smi` first, then torch in
    a subprocess of `python` (never in this process). Empty when there are none."""
    if _parent_visible() == []:
        return ()
    text = _run(["nvidia-smi", "--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"])
    if text is not None:
        return tuple(_from_nvidia_smi(text))
    if not _may_have_gpu():  # importing torch only to hear "none" costs seconds
        return ()
    text = _run([python, "-c", _TORCH_QUERY])
    return tuple(_from_torch(text)) if text is not None else ()


def _thread_env(threads: int) -> dict[str, str]:
    return {name: str(threads) for name in _THREAD_VARS}


def cpu_slots(cpu_threads: int | None = None, slots: int | None = None) -> list[Slot]:
    """CPU slots with slots x threads <= the cores: by default 1 thread per slot up to 4 cores, then
    a quarter of the cores per slot (at most 4 threads, at most 8 slots)."""
    cores = os.cpu_count() or 1
    threads = max(1, min(cpu_threads or min(4, max(1, cores // 4)), cores))
    count = max(1, min(slots or _MAX_CPU_SLOTS, cores // threads))
    env = {"CUDA_VISIBLE_DEVICES": "", "INVESTIGATOR_DEVICE": "cpu", **_thread_env(threads)}
    info = f"cpu ({threads} thread{'s' if threads > 1 else ''})"
    return [Slot(device="cpu", env=dict(env), info=info) for _ in range(count)]


def _cuda_slots(devices: list[DeviceInfo], per_device: int, cpu_threads: int | None) -> list[Slot]:
    total = len(devices) * per_device
    threads = max(1, cpu_threads or (os.cpu_count() or 1) // total)
    slots: list[Slot] = []
    order = {} if "CUDA_DEVICE_ORDER" in os.environ else {"CUDA_DEVICE_ORDER": "PCI_BUS_ID"}  # nvidia-smi's order
    for device in devices:
        env = {"CUDA_VISIBLE_DEVICES": device.visible, "INVESTIGATOR_DEVICE": "cuda", **order, **_thread_env(threads)}
        slots.extend(Slot(device=f"cuda:{device.index}", env=dict(env), info=device.describe()) for _ in range(per_device))
    return slots


def detect_slots(spec: str = "auto", per_device: int = 1, cpu_threads: int | None = None,
                 python: str = sys.executable) -> list[Slot]:
    """The slots for `--device spec` (auto | cpu | cuda | cuda:N). `per_device`: jobs at once on each
    CUDA device (on CPU: the most slots). InputError (one line) when the asked device is absent."""
    spec = spec.strip().lower()
    per_device = max(1, per_device)
    if spec == "cpu":
        return cpu_slots(cpu_threads, per_device if per_device > 1 else None)
    if spec != "auto" and spec != "cuda" and not (spec.startswith("cuda:") and spec[5:].isdigit()):
        raise InputError(f"--device {spec!r}: expected auto, cpu, cuda or cuda:N")
    devices = list(cuda_devices(python))
    if spec == "auto":
        return _cuda_slots(devices, per_device, cpu_threads) if devices else cpu_slots(cpu_threads)
    if not devices:
        raise InputError(f"--device {spec}: no CUDA device found (nvidia-smi and torch see none); use --device cpu or auto")
    if spec.startswith("cuda:"):
        wanted = int(spec[5:])
        chosen = [d for d in devices if d.index == wanted]
        if not chosen:
            found = ", ".join(str(d.index) for d in devices)
            raise InputError(f"--device {spec}: no such CUDA device (found {len(devices)}: {found})")
        devices = chosen
    return _cuda_slots(devices, per_device, cpu_threads)
