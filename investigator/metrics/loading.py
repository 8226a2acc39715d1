"""Load training runs: TensorBoard event directories, CSV and JSON-lines history exports.

Every run becomes one long data frame with tbparse's columns (step, tag, value, wall_time; wall_time
is NaN where the export has none). Loaders are a registry (one small class per format). Globs name the
runs of one side; a directory holding several run subdirectories counts as several runs. Nothing here
raises on bad input: unreadable parts come back as `LoadProblem`s for `AnalyzerFailure`s.
"""

from __future__ import annotations

import glob as globmod
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from investigator import budget
from investigator.metrics.tfrecord import event_files_under, is_event_file, read_scalars

COLUMNS = ["step", "tag", "value", "wall_time"]

# Step keys experiment trackers export, most specific first.
STEP_KEYS = [
    "global_step",
    "_step",
    "step",
    "Step",
    "steps",
    "timestep",
    "timesteps",
    "total_timesteps",
    "time/total_timesteps",
    "env_step",
    "env_steps",
    "frame",
    "frames",
    "iteration",
    "epoch",
]
WALL_KEYS_ABSOLUTE = ["_timestamp", "Wall time", "wall_time", "timestamp", "time"]
WALL_KEYS_RELATIVE = ["_runtime", "runtime", "time_elapsed", "time/time_elapsed"]


@dataclass
class Series:
    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray  # NaN where unknown

    def __len__(self) -> int:
        return len(self.steps)


@dataclass
class RunData:
    name: str
    path: str
    format: str
    frame: pd.DataFrame
    _cache: dict[str, Series] = field(default_factory=dict, repr=False)
    _groups: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @property
    def tags(self) -> list[str]:
        return sorted(self.frame["tag"].unique().tolist()) if len(self.frame) else []

    @property
    def empty(self) -> bool:
        return len(self.frame) == 0

    def series(self, tag: str, sign: float = 1.0) -> Series | None:
        """Values of one tag ordered by step; repeated steps keep the last value logged."""
        key = f"{tag}\x00{sign}"
        if key in self._cache:
            return self._cache[key]
        if self._groups is None:  # one pass over the frame, then O(rows of the tag) per series
            self._groups = self.frame.groupby("tag", sort=False).indices if len(self.frame) else {}
        rows = self._groups.get(tag)
        if rows is None or len(rows) == 0:
            return None
        sub = self.frame.iloc[rows]
        sub = sub.drop_duplicates("step", keep="last").sort_values("step", kind="stable")
        values = sub["value"].to_numpy(dtype=float) * sign
        finite = np.isfinite(values)
        out = Series(
            steps=sub["step"].to_numpy(dtype=np.int64)[finite],
            values=values[finite],
            wall_times=sub["wall_time"].to_numpy(dtype=float)[finite],
        )
        self._cache[key] = out
        return out


@dataclass
class LoadProblem:
    path: str
    message: str


class Loader(Protocol):
    format: str

    def matches(self, path: Path) -> bool: ...

    def load(self, path: Path) -> tuple[pd.DataFrame, list[str]]: ...


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": np.zeros(0, dtype=np.int64),
            "tag": np.zeros(0, dtype=object),
            "value": np.zeros(0, dtype=float),
            "wall_time": np.zeros(0, dtype=float),
        }
    )


class TensorBoardLoader:
    """A directory of event files (searched recursively, tbparse's order) or one event file."""

    format = "tensorboard"

    def matches(self, path: Path) -> bool:
        return (path.is_file() and is_event_file(path)) or path.is_dir()

    def load(self, path: Path) -> tuple[pd.DataFrame, list[str]]:
        return read_scalars(path)


def _wide_to_long(table: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[str]]:
    """A wide history (one column per metric) to the long frame, using the step/wall conventions."""
    problems: list[str] = []
    cols = list(table.columns)
    if {"tag", "value"} <= set(cols):  # already long (e.g. a saved tbparse frame)
        frame = table.copy()
        if "step" not in frame:
            frame["step"] = np.arange(len(frame))
        if "wall_time" not in frame:
            frame["wall_time"] = np.nan
        frame = frame[COLUMNS]
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        frame = frame.dropna(subset=["value"])
        frame["step"] = frame["step"].astype(np.int64)
        frame["tag"] = frame["tag"].astype(str)
        return frame.reset_index(drop=True), problems
    step_col = next((k for k in STEP_KEYS if k in cols), None)
    if step_col is None:
        problems.append(f"{source}: no step column ({', '.join(STEP_KEYS[:5])}, ...); using row numbers")
        steps = np.arange(len(table), dtype=np.int64)
    else:
        steps = pd.to_numeric(table[step_col], errors="coerce").to_numpy()
    wall = np.full(len(table), np.nan)
    abs_col = next((k for k in WALL_KEYS_ABSOLUTE if k in cols and k != step_col), None)
    rel_col = next((k for k in WALL_KEYS_RELATIVE if k in cols), None)
    if abs_col is not None:
        wall = pd.to_numeric(table[abs_col], errors="coerce").to_numpy(dtype=float)
    elif rel_col is not None:
        wall = pd.to_numeric(table[rel_col], errors="coerce").to_numpy(dtype=float)
    skip = {step_col, abs_col, rel_col, *STEP_KEYS, *WALL_KEYS_ABSOLUTE, *WALL_KEYS_RELATIVE}
    parts = []
    for col in cols:
        if col in skip:
            continue
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(values) & np.isfinite(steps.astype(float))
        if not ok.any():
            continue
        parts.append(
            pd.DataFrame(
                {
                    "step": steps[ok].astype(np.int64),
                    "tag": str(col),
                    "value": values[ok],
                    "wall_time": wall[ok],
                }
            )
        )
    if not parts:
        return _empty_frame(), problems
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(["tag", "step"], kind="stable", ignore_index=True)
    return frame, problems


def _tag_from_export_name(path: Path) -> str:
    """TensorBoard's CSV download is named `run-<run>-tag-<tag with / as _>.csv`."""
    stem = path.stem
    if "-tag-" in stem:
        return stem.split("-tag-", 1)[1]
    return stem


class CsvLoader:
    format = "csv"

    def matches(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in {".csv", ".tsv"}

    def load(self, path: Path) -> tuple[pd.DataFrame, list[str]]:
        try:
            table = pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
            return _empty_frame(), [f"{path}: not a readable CSV ({type(exc).__name__}: {exc})"]
        if list(table.columns) == ["Wall time", "Step", "Value"]:
            table = table.rename(columns={"Value": _tag_from_export_name(path)})
        return _wide_to_long(table, str(path))


def _flatten(obj: dict[str, object], prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "/"))
        else:
            out[name] = value
    return out


class JsonLinesLoader:
    """One JSON object per line (wandb `history`, custom loggers); nested objects become a/b tags."""

    format = "jsonl"

    def matches(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in {".jsonl", ".ndjson", ".json"}

    def load(self, path: Path) -> tuple[pd.DataFrame, list[str]]:
        problems: list[str] = []
        rows: list[dict[str, object]] = []
        try:
            text = path.read_text(errors="replace")
        except OSError as exc:
            return _empty_frame(), [f"{path}: cannot read ({exc})"]
        bad = 0
        first_bad = None
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                bad += 1
                first_bad = first_bad or number
                continue
            if isinstance(obj, dict):
                rows.append(_flatten(obj))
            elif isinstance(obj, list) and all(isinstance(o, dict) for o in obj):  # a JSON array file
                rows.extend(_flatten(o) for o in obj)
        if bad:
            problems.append(f"{path}: {bad} line(s) are not JSON (first at line {first_bad}); skipped")
        if not rows:
            return _empty_frame(), problems
        table = pd.DataFrame(rows)
        frame, more = _wide_to_long(table, str(path))
        return frame, problems + more


LOADERS: list[Loader] = [CsvLoader(), JsonLinesLoader(), TensorBoardLoader()]


def loader_for(path: Path) -> Loader | None:
    return next((loader for loader in LOADERS if loader.matches(path)), None)


def _is_export(path: Path) -> bool:
    return path.is_file() and any(
        isinstance(ld, CsvLoader | JsonLinesLoader) and ld.matches(path) for ld in LOADERS
    )


def split_runs(path: Path) -> list[Path]:
    """The runs a path stands for: an event file or export is one run; a directory with event files
    directly inside is one run (its subdirectories, e.g. `add_scalars` outputs, belong to it); a
    directory of run subdirectories is several runs; a directory of exports is one run per export;
    a directory with none of these is one (empty) run, so that "no scalars" is reported."""
    if path.is_file():
        return [path]
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return [path]
    if any(e.is_file() and is_event_file(e) for e in entries):
        return [path]
    subruns = [
        e
        for e in entries
        if e.is_dir() and (event_files_under(e) or any(_is_export(f) for f in e.rglob("*")))
    ]
    if subruns:
        out: list[Path] = []
        for sub in subruns:
            out.extend(split_runs(sub))
        return out
    exports = [e for e in entries if _is_export(e)]
    if exports:
        return exports
    return [path]


def expand_globs(patterns: list[str]) -> tuple[list[Path], list[LoadProblem]]:
    """Run paths for a side, deduplicated in order; a glob matching nothing is a problem."""
    runs: list[Path] = []
    seen: set[str] = set()
    problems: list[LoadProblem] = []
    for pattern in patterns:
        expanded = os.path.expanduser(pattern)
        matches = sorted(globmod.glob(expanded, recursive=True))
        if not matches and os.path.exists(expanded):
            matches = [expanded]
        if not matches:
            problems.append(LoadProblem(path=pattern, message=f"no run matches {pattern!r}"))
            continue
        for match in matches:
            for run in split_runs(Path(match)):
                key = str(run.resolve())
                if key not in seen:
                    seen.add(key)
                    runs.append(run)
    return runs, problems


def _run_names(paths: list[Path]) -> list[str]:
    """Shortest distinct trailing path for each run (`seed1`, or `a/seed1` and `b/seed1`)."""
    depth = 1
    while True:
        names = [os.path.join(*p.parts[-depth:]) if len(p.parts) >= depth else str(p) for p in paths]
        if len(set(names)) == len(names) or depth > 6:
            return names
        depth += 1


def load_run(path: Path, name: str | None = None) -> tuple[RunData, list[LoadProblem]]:
    loader = loader_for(path)
    if loader is None:
        return (
            RunData(name=name or path.name, path=str(path), format="unknown", frame=_empty_frame()),
            [
                LoadProblem(
                    path=str(path), message=f"{path}: unknown log format (expected event files, CSV or JSONL)"
                )
            ],
        )
    try:
        frame, messages = loader.load(path)
    except Exception as exc:  # noqa: BLE001 - a loader bug must not end the investigation
        frame, messages = _empty_frame(), [f"{path}: could not be read ({type(exc).__name__}: {exc})"]
    run = RunData(name=name or path.name, path=str(path), format=loader.format, frame=frame)
    return run, [LoadProblem(path=str(path), message=m) for m in messages]


def load_side(patterns: list[str]) -> tuple[list[RunData], list[LoadProblem]]:
    """All runs named by a side's globs."""
    paths, problems = expand_globs(patterns)
    runs: list[RunData] = []
    for path, name in zip(paths, _run_names(paths), strict=True):
        budget.check()  # an analyzer past its time budget stops here (see investigator.budget)
        run, more = load_run(path, name)
        runs.append(run)
        problems.extend(more)
    return runs, problems
