"""Write training logs with known curves: TensorBoard event files, CSV and JSON-lines exports.

Why: tests and benchmarks need runs whose properties are known (a real regression across seeds, pure
seed noise, a flat learning rate, a truncated file) without running any training.

Two event-file writers: `writer="torch"` goes through `torch.utils.tensorboard.SummaryWriter` (what
users' projects do); `writer="raw"` serialises the same Event protos with TensorBoard's compiled
classes and frames them with a vectorised CRC, which is much faster for benchmark-sized files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from investigator.metrics.crc32c import crc32c_many, mask

Curve = tuple[Sequence[int] | np.ndarray, Sequence[float] | np.ndarray]
Curves = Mapping[str, Curve]


def make_curve(
    steps: np.ndarray,
    *,
    start: float = 0.0,
    end: float = 1.0,
    shape: Literal["rise", "linear", "constant", "collapse", "peak", "cosine"] = "rise",
    noise: float = 0.0,
    seed: int = 0,
    peak_at: float = 0.5,
) -> np.ndarray:
    """A typical training curve over `steps` with Gaussian noise (seeded)."""
    x = (steps - steps.min()) / max(1, steps.max() - steps.min())
    if shape == "rise":
        base = start + (end - start) * (1 - np.exp(-5 * x))
    elif shape == "linear":
        base = start + (end - start) * x
    elif shape == "constant":
        base = np.full_like(x, start, dtype=float)
    elif shape == "collapse":  # rises to `end` by a third of training, then falls back to `start`
        rise = start + (end - start) * np.minimum(1, x / 0.3)
        base = np.where(x < 0.3, rise, end - (end - start) * ((x - 0.3) / 0.7) ** 1.5)
    elif shape == "peak":
        base = np.where(
            x <= peak_at,
            start + (end - start) * x / peak_at,
            end - (end - start) * 0.6 * (x - peak_at) / max(1e-9, 1 - peak_at),
        )
    elif shape == "cosine":
        base = end + 0.5 * (start - end) * (1 + np.cos(np.pi * x))
    else:  # pragma: no cover - Literal guards it
        raise ValueError(shape)
    rng = np.random.default_rng(seed)
    return base + rng.normal(0.0, noise, size=len(steps)) if noise else base


def _event_records(curves: Curves, wall_start: float, steps_per_second: float) -> list[bytes]:
    from tensorboard.compat.proto import event_pb2, summary_pb2

    rows: list[tuple[int, int, str, float]] = []
    for order, (tag, (steps, values)) in enumerate(curves.items()):
        for s, v in zip(np.asarray(steps).tolist(), np.asarray(values).tolist(), strict=True):
            rows.append((int(s), order, tag, float(v)))
    rows.sort(key=lambda r: (r[0], r[1]))  # a training loop logs every tag at a step, step by step
    header = event_pb2.Event(wall_time=wall_start, file_version="brain.Event:2").SerializeToString()
    out = [header]
    for step, _, tag, value in rows:
        event = event_pb2.Event(
            wall_time=wall_start + step / steps_per_second,
            step=step,
            summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)]),
        )
        out.append(event.SerializeToString())
    return out


def frame_records(records: Sequence[bytes]) -> bytes:
    """TFRecord framing (length, masked CRC of length, data, masked CRC of data) of many records."""
    n = len(records)
    lengths = np.fromiter((len(r) for r in records), dtype=np.int64, count=n)
    length_bytes = lengths.astype("<u8").tobytes()
    body = b"".join(records)
    buf = np.frombuffer(length_bytes + body, dtype=np.uint8)
    header_crc = mask(crc32c_many(buf, np.arange(n, dtype=np.int64) * 8, np.full(n, 8, dtype=np.int64)))
    body_offsets = n * 8 + np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    data_crc = mask(crc32c_many(buf, body_offsets, lengths))
    parts: list[bytes] = []
    hcrc = np.asarray(header_crc).astype("<u4").tobytes()
    dcrc = np.asarray(data_crc).astype("<u4").tobytes()
    for i, record in enumerate(records):
        parts.append(length_bytes[8 * i : 8 * i + 8])
        parts.append(hcrc[4 * i : 4 * i + 4])
        parts.append(record)
        parts.append(dcrc[4 * i : 4 * i + 4])
    return b"".join(parts)


def write_tensorboard_run(
    logdir: str | Path,
    curves: Curves,
    *,
    writer: Literal["raw", "torch"] = "raw",
    wall_start: float = 1_700_000_000.0,
    steps_per_second: float = 1000.0,
    filename_suffix: str = "",
) -> Path:
    """Write `curves` (tag -> (steps, values)) as one event file in `logdir`; returns the file path."""
    logdir = Path(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    if writer == "torch":
        from torch.utils.tensorboard import SummaryWriter

        sw = SummaryWriter(log_dir=str(logdir), filename_suffix=filename_suffix)
        rows = sorted(
            (int(s), order, tag, float(v))
            for order, (tag, (steps, values)) in enumerate(curves.items())
            for s, v in zip(np.asarray(steps).tolist(), np.asarray(values).tolist(), strict=True)
        )
        for step, _, tag, value in rows:
            sw.add_scalar(tag, value, global_step=step, walltime=wall_start + step / steps_per_second)
        file_name = sw._get_file_writer().event_writer._file_name
        sw.close()
        return Path(file_name)
    records = _event_records(curves, wall_start, steps_per_second)
    name = f"events.out.tfevents.{int(wall_start)}.synthetic.{time.monotonic_ns() % 100000}{filename_suffix}"
    path = logdir / name
    path.write_bytes(frame_records(records))
    return path


def write_empty_tensorboard_run(logdir: str | Path) -> Path:
    """An event file with only the file_version header: a writer that was never flushed with data."""
    from tensorboard.compat.proto import event_pb2

    logdir = Path(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    path = logdir / "events.out.tfevents.0.synthetic.empty"
    header = event_pb2.Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString()
    path.write_bytes(frame_records([header]))
    return path


def _wide_rows(curves: Curves) -> tuple[list[int], dict[str, dict[int, float]]]:
    table: dict[str, dict[int, float]] = {}
    all_steps: set[int] = set()
    for tag, (steps, values) in curves.items():
        col = {
            int(s): float(v)
            for s, v in zip(np.asarray(steps).tolist(), np.asarray(values).tolist(), strict=True)
        }
        table[tag] = col
        all_steps.update(col)
    return sorted(all_steps), table


def write_csv_run(
    path: str | Path,
    curves: Curves,
    *,
    step_column: str = "global_step",
    style: Literal["wide", "tensorboard", "wandb"] = "wide",
    steps_per_second: float = 1000.0,
) -> Path:
    """A CSV export: `wide` (one column per metric), `tensorboard` (Wall time,Step,Value; one curve),
    or `wandb` (wide with `_step`, `_runtime`, `_timestamp`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if style == "tensorboard":
        if len(curves) != 1:
            raise ValueError("TensorBoard's CSV export holds one curve")
        ((steps, values),) = curves.values()
        lines = ["Wall time,Step,Value"]
        for s, v in zip(np.asarray(steps).tolist(), np.asarray(values).tolist(), strict=True):
            lines.append(f"{1_700_000_000.0 + s / steps_per_second!r},{int(s)},{float(v)!r}")
        path.write_text("\n".join(lines) + "\n")
        return path
    steps, table = _wide_rows(curves)
    tags = list(table)
    header = ["_step", "_runtime", "_timestamp", *tags] if style == "wandb" else [step_column, *tags]
    lines = [",".join(_csv_quote(h) for h in header)]
    for s in steps:
        cells = [str(s)]
        if style == "wandb":
            cells += [repr(s / steps_per_second), repr(1_700_000_000.0 + s / steps_per_second)]
        cells += ["" if s not in table[t] else repr(table[t][s]) for t in tags]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def _csv_quote(text: str) -> str:
    return f'"{text}"' if "," in text or '"' in text else text


def write_jsonl_run(
    path: str | Path, curves: Curves, *, step_key: str = "_step", steps_per_second: float = 1000.0
) -> Path:
    """A JSON-lines history (one object per logged step, as wandb's `history` export)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    steps, table = _wide_rows(curves)
    with path.open("w") as fh:
        for s in steps:
            row: dict[str, object] = {step_key: s, "_runtime": s / steps_per_second}
            row.update({t: table[t][s] for t in table if s in table[t]})
            fh.write(json.dumps(row) + "\n")
    return path
