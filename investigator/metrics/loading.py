"""Load training runs: TensorBoard event directories, CSV and JSON-lines history exports.

Every run becomes one long data frame with tbparse's columns (step, tag, value, wall_time; wall_time
is NaN where the export has none). Loaders are a registry (one small class per format). Globs name the
runs of one side; a directory holding several run subdirectories counts as several runs. Nothing here
raises on bad input: unreadable parts come back as `LoadProblem`s for `AnalyzerFailure`s.

Values that were logged as NaN or ±inf stay in the frame (a diverged run is a finding, see
`divergence.py`); a cell that is empty is "not logged at this step" and is not a row. Whatever cannot
be used (malformed CSV rows, non-numeric cells, rows without a step) is skipped and counted in a
`LoadProblem`, never dropped silently.
"""

from __future__ import annotations

import csv
import glob as globmod
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from investigator import budget
from investigator.lazymodule import LazyModule
from investigator.metrics.tfrecord import event_files_under, is_event_file, read_scalars

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = LazyModule("pandas")  # imported when a log is read: static runs never pay for it

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


@dataclass(frozen=True)
class NonFinite:
    """NaN/inf values of one tag in one run: how many, where they start, whether the curve recovers.

    Non-finite values before the tag's first finite value (a mean over no finished episode yet) are
    "leading"; the onset of a divergence is the first non-finite value after a finite one (or the
    first value, when there is no finite value at all)."""

    tag: str
    count: int  # non-finite values
    total: int  # values logged for the tag
    first_step: int  # first step with a non-finite value
    onset_step: int | None  # first non-finite step after a finite value; None: leading values only
    finite_after_onset: int  # finite values logged after the onset (0: never recovered)
    kinds: dict[str, int]  # "nan", "+inf", "-inf" -> count

    @classmethod
    def of(cls, tag: str, steps: np.ndarray, values: np.ndarray) -> NonFinite | None:
        bad = ~np.isfinite(values)
        if not bad.any():
            return None
        finite_idx = np.flatnonzero(~bad)
        if len(finite_idx):
            later = np.flatnonzero(bad[finite_idx[0] :])
            onset = int(finite_idx[0] + later[0]) if len(later) else None
        else:
            onset = 0
        kinds = {
            "nan": int(np.isnan(values).sum()),
            "+inf": int(np.isposinf(values).sum()),
            "-inf": int(np.isneginf(values).sum()),
        }
        return cls(
            tag=tag,
            count=int(bad.sum()),
            total=len(values),
            first_step=int(steps[np.flatnonzero(bad)[0]]),
            onset_step=None if onset is None else int(steps[onset]),
            finite_after_onset=0 if onset is None else int((finite_idx > onset).sum()),
            kinds={k: v for k, v in kinds.items() if v},
        )

    @property
    def leading_only(self) -> bool:
        return self.onset_step is None

    @property
    def persistent(self) -> bool:
        """From its onset to the end, nothing finite again: the run diverged."""
        return self.onset_step is not None and self.finite_after_onset == 0

    def describe(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in self.kinds.items())
        counts = f"{self.count} of {self.total} values: {kinds}"
        if self.onset_step is None:
            return f"`{self.tag}` non-finite only before its first finite value ({counts})"
        if self.count == self.total:
            return f"`{self.tag}` non-finite at every step ({counts})"
        how = "to the end of the run" if self.persistent else f"{self.finite_after_onset} finite value(s) after it"
        return f"`{self.tag}` non-finite from step {self.onset_step:,} ({counts}; {how})"


@dataclass
class RunData:
    name: str
    path: str
    format: str
    frame: pd.DataFrame
    _cache: dict[str, Series] = field(default_factory=dict, repr=False)
    _groups: dict[str, np.ndarray] | None = field(default=None, repr=False)
    _nonfinite: list[NonFinite] | None = field(default=None, repr=False)
    _tags: list[str] | None = field(default=None, repr=False)

    @property
    def tags(self) -> list[str]:
        """Tags logged (computed once: rules ask for them many times, a frame has millions of rows)."""
        if self._tags is None:
            self._tags = sorted(map(str, self.frame["tag"].unique().tolist())) if len(self.frame) else []
        return self._tags

    @property
    def empty(self) -> bool:
        return len(self.frame) == 0

    def series(self, tag: str, sign: float = 1.0) -> Series | None:
        """Finite values of one tag ordered by step; repeated steps keep the last value logged.

        NaN/inf values are left out of the curve; `nonfinite()` counts them and says where they start."""
        key = f"{tag}\x00{sign}"
        if key in self._cache:
            return self._cache[key]
        if self._groups is None:  # one pass over the frame, then O(rows of the tag) per series
            self._groups = self.frame.groupby("tag", sort=False).indices if len(self.frame) else {}
        rows = self._groups.get(tag)
        if rows is None or len(rows) == 0:
            return None
        steps, values, wall = self._ordered(rows)
        values = values * sign
        finite = np.isfinite(values)
        out = Series(steps=steps[finite], values=values[finite], wall_times=wall[finite])
        self._cache[key] = out
        return out

    def _ordered(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Steps, values and wall times of some rows, by step, the last value of a repeated step kept."""
        steps = self.frame["step"].to_numpy(dtype=np.int64)[rows]
        values = self.frame["value"].to_numpy(dtype=float)[rows]
        wall = self.frame["wall_time"].to_numpy(dtype=float)[rows]
        order = np.argsort(steps, kind="stable")
        steps, values, wall = steps[order], values[order], wall[order]
        if len(steps) > 1:
            last = np.ones(len(steps), dtype=bool)
            last[:-1] = steps[1:] != steps[:-1]
            steps, values, wall = steps[last], values[last], wall[last]
        return steps, values, wall

    def nonfinite(self) -> list[NonFinite]:
        """Tags with NaN/inf values as logged (after repeated steps are resolved), by first step."""
        if self._nonfinite is not None:
            return self._nonfinite
        out: list[NonFinite] = []
        if len(self.frame):
            bad = ~np.isfinite(self.frame["value"].to_numpy(dtype=float))
            if bad.any():
                if self._groups is None:
                    self._groups = self.frame.groupby("tag", sort=False).indices
                for tag in sorted(set(self.frame["tag"].to_numpy()[bad].tolist())):
                    steps, values, _ = self._ordered(self._groups[tag])
                    nf = NonFinite.of(str(tag), steps, values)
                    if nf is not None:
                        out.append(nf)
        self._nonfinite = sorted(out, key=lambda n: (n.first_step, n.tag))
        return self._nonfinite


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


MISSING_TEXT = frozenset({"", "null", "none", "na", "n/a", "<na>"})  # a cell with no value logged
NAN_TEXT = frozenset({"nan", "-nan", "+nan", "1.#qnan", "-1.#qnan", "1.#ind", "-1.#ind"})  # a NaN logged


@dataclass
class Cells:
    """One column as numbers: `present` marks cells that hold a value (finite, NaN or ±inf)."""

    values: np.ndarray
    present: np.ndarray
    bad: int  # non-empty cells that are not numbers


def numeric_cells(column: pd.Series) -> Cells:
    """Classify a column's cells: empty (not logged), a number (NaN/inf included) or not a number.

    A numeric column's NaN is an empty cell (the CSV reader only parses NaN text this way when the
    file holds none, see `CsvLoader`); in a text column, "nan" is a logged NaN and "x" is bad."""
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        return Cells(values, ~np.isnan(values), 0)
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    unknown = np.flatnonzero(np.isnan(values))  # empty, "nan" or not a number: look at these only
    if len(unknown) == 0:
        return Cells(values, np.ones(len(values), dtype=bool), 0)
    sub = column.iloc[unknown]
    missing = sub.isna().to_numpy().copy()
    text = sub.astype(object).where(~missing, "").astype(str).str.strip().str.lower()
    missing |= text.isin(MISSING_TEXT).to_numpy()
    nan_text = text.isin(NAN_TEXT).to_numpy()
    bad = ~missing & ~nan_text
    present = np.ones(len(values), dtype=bool)
    present[unknown[missing | bad]] = False
    return Cells(values, present, int(bad.sum()))


def _wide_to_long(table: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[str]]:
    """A wide history (one column per metric) to the long frame, using the step/wall conventions.

    Empty cells are "not logged at this step"; NaN/inf are kept as logged; non-numeric cells and rows
    without a numeric step are skipped and counted in the returned problems."""
    cols = list(table.columns)
    if {"tag", "value"} <= set(cols):  # already long (e.g. a saved tbparse frame)
        return _clean_long(table, source)
    problems: list[str] = []
    step_col, steps = _wide_steps(table, cols, source, problems)
    step_ok = np.isfinite(steps)
    wall, abs_col, rel_col = _wide_wall(table, cols, step_col)
    skip = {step_col, abs_col, rel_col, *STEP_KEYS, *WALL_KEYS_ABSOLUTE, *WALL_KEYS_RELATIVE}
    parts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    bad_values: dict[str, int] = {}
    text_columns: list[str] = []
    no_step = 0
    int_steps = np.where(step_ok, steps, 0).astype(np.int64)
    for col in cols:
        if col in skip:
            continue
        cells = numeric_cells(table[col])
        if cells.bad and not cells.present.any():
            text_columns.append(str(col))  # a column of names or notes, not a metric
            continue
        if cells.bad:
            bad_values[str(col)] = cells.bad
        ok = cells.present & step_ok
        no_step += int((cells.present & ~step_ok).sum())
        if not ok.any():
            continue
        order = np.argsort(int_steps[ok], kind="stable")
        parts[str(col)] = (int_steps[ok][order], cells.values[ok][order], wall[ok][order])
    if bad_values:
        shown = ", ".join(f"`{c}` {n}" for c, n in sorted(bad_values.items())[:8])
        problems.append(f"{source}: {sum(bad_values.values())} non-numeric value(s) skipped ({shown})")
    if no_step:
        problems.append(f"{source}: {no_step} value(s) in row(s) without a numeric step `{step_col}` skipped")
    if text_columns:
        problems.append(f"{source}: non-numeric column(s) ignored: {', '.join(f'`{c}`' for c in text_columns[:8])}")
    if not parts:
        return _empty_frame(), problems
    tags = sorted(parts)
    lengths = [len(parts[t][0]) for t in tags]
    frame = pd.DataFrame(
        {
            "step": np.concatenate([parts[t][0] for t in tags]),
            # categorical: one code per row instead of one string object (a 1M-row export x 6 columns
            # is 6M rows; grouping and listing tags then costs nothing)
            "tag": pd.Categorical.from_codes(np.repeat(np.arange(len(tags)), lengths), categories=tags),
            "value": np.concatenate([parts[t][1] for t in tags]),
            "wall_time": np.concatenate([parts[t][2] for t in tags]),
        }
    )
    return frame, problems


def _clean_long(table: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[str]]:
    """An already long frame with numeric values and steps only, sorted by tag then step."""
    problems: list[str] = []
    frame = table.copy()
    if "step" not in frame:
        frame["step"] = np.arange(len(frame))
    if "wall_time" not in frame:
        frame["wall_time"] = np.nan
    cells = numeric_cells(frame["value"])
    steps = numeric_cells(frame["step"])
    keep = cells.present & steps.present & np.isfinite(steps.values)
    frame = pd.DataFrame(
        {
            "step": steps.values[keep].astype(np.int64),
            "tag": frame["tag"].astype(str).to_numpy()[keep],
            "value": cells.values[keep],
            "wall_time": pd.to_numeric(frame["wall_time"], errors="coerce").to_numpy(dtype=float)[keep],
        }
    )
    if cells.bad:
        problems.append(f"{source}: {cells.bad} non-numeric value(s) skipped")
    if no_step := int((cells.present & ~(steps.present & np.isfinite(steps.values))).sum()):
        problems.append(f"{source}: {no_step} row(s) without a numeric step skipped")
    order = np.lexsort((frame["step"].to_numpy(), frame["tag"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True), problems


def _wide_steps(
    table: pd.DataFrame, cols: list[object], source: str, problems: list[str]
) -> tuple[str | None, np.ndarray]:
    """The step column by convention and its values (NaN: no numeric step); row numbers without one."""
    step_col = next((k for k in STEP_KEYS if k in cols), None)
    if step_col is None:
        problems.append(f"{source}: no step column ({', '.join(STEP_KEYS[:5])}, ...); using row numbers")
        return None, np.arange(len(table), dtype=float)
    step_cells = numeric_cells(table[step_col])
    return step_col, np.where(step_cells.present, step_cells.values, np.nan)


def _wide_wall(
    table: pd.DataFrame, cols: list[object], step_col: str | None
) -> tuple[np.ndarray, str | None, str | None]:
    """Wall-clock seconds per row (absolute preferred over relative; NaN without either) and the
    absolute and relative columns found."""
    wall = np.full(len(table), np.nan)
    abs_col = next((k for k in WALL_KEYS_ABSOLUTE if k in cols and k != step_col), None)
    rel_col = next((k for k in WALL_KEYS_RELATIVE if k in cols), None)
    if abs_col is not None:
        wall = pd.to_numeric(table[abs_col], errors="coerce").to_numpy(dtype=float)
    elif rel_col is not None:
        wall = pd.to_numeric(table[rel_col], errors="coerce").to_numpy(dtype=float)
    return wall, abs_col, rel_col


def _tag_from_export_name(path: Path) -> str:
    """TensorBoard's CSV download is named `run-<run>-tag-<tag with / as _>.csv`."""
    stem = path.stem
    if "-tag-" in stem:
        return stem.split("-tag-", 1)[1]
    return stem


def _has_nan_text(data: bytes) -> bool:
    """Whether the rows (not the header) spell a NaN anywhere; literal scans, fast on 100 MB files.
    A false positive (a text cell "banana") only costs the slower text-preserving read."""
    body = data[data.find(b"\n") + 1 :] if b"\n" in data else b""
    return any(token in body for token in (b"nan", b"NaN", b"NAN", b"Nan", b"QNAN"))


class CsvLoader:
    """CSV/TSV exports. A malformed row (too many fields, an unterminated quote) is skipped and
    counted; the rest of the file is used."""

    format = "csv"

    def matches(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in {".csv", ".tsv"}

    def load(self, path: Path) -> tuple[pd.DataFrame, list[str]]:
        sep = "\t" if path.suffix.lower() == ".tsv" else ","
        try:
            data = path.read_bytes()
        except OSError as exc:
            return _empty_frame(), [f"{path}: cannot read ({exc})"]
        # Without NaN text in the file every empty cell is "not logged" (the fast default); with it,
        # cells are read as text so that a logged "nan" and an empty cell stay distinct.
        na = {"keep_default_na": False, "na_values": []} if _has_nan_text(data) else {}
        problems: list[str] = []
        try:
            table = pd.read_csv(io.BytesIO(data), sep=sep, **na)
        except pd.errors.EmptyDataError:
            return _empty_frame(), [f"{path}: empty file (no header, no rows)"]
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError):
            table, bad, first = _read_skipping_bad_rows(data, sep, na)
            if table is None:
                return _empty_frame(), [f"{path}: not a readable CSV (no parsable header)"]
            problems.append(f"{path}: {bad} malformed row(s) skipped (first at line {first})")
        if list(table.columns) == ["Wall time", "Step", "Value"]:
            table = table.rename(columns={"Value": _tag_from_export_name(path)})
        frame, more = _wide_to_long(table, str(path))
        return frame, problems + more


def _read_skipping_bad_rows(
    data: bytes, sep: str, na: dict[str, object]
) -> tuple[pd.DataFrame | None, int, int | None]:
    """Parse line by line: rows with more fields than the header or broken quoting are dropped
    (counted, first line number kept); the good rows are parsed as one CSV again."""
    lines = data.decode("utf-8", errors="replace").splitlines()
    if not lines:
        return None, 0, None
    try:
        width = len(next(csv.reader([lines[0]], delimiter=sep, strict=True)))
    except (csv.Error, StopIteration):
        return None, 0, None
    good = [lines[0]]
    bad, first = 0, None
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line], delimiter=sep, strict=True))
        except csv.Error:
            fields = None
        if fields is None or len(fields) > width:
            bad += 1
            first = first or number
            continue
        good.append(line)
    try:
        table = pd.read_csv(io.StringIO("\n".join(good)), sep=sep, **na)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None, bad, first
    return table, bad, first


def _flatten(obj: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Nested objects become a/b keys; a logged NaN becomes the text "nan", so that it stays distinct
    from a key missing on that line (both would be NaN in a frame)."""
    out: dict[str, object] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "/"))
        elif isinstance(value, float) and math.isnan(value):
            out[name] = "nan"
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
    """Run paths for a side, deduplicated by real path in order; a glob matching nothing is a problem.

    A symlink loop (`runs/a/up -> ..`) makes `**` globs yield the same directories again and again
    under ever longer names, ending in paths the system cannot resolve: those are skipped and
    counted, and a directory reached twice is one run."""
    runs: list[Path] = []
    seen: set[str] = set()
    run_keys: set[str] = set()
    problems: list[LoadProblem] = []
    for pattern in patterns:
        expanded = os.path.expanduser(pattern)
        matches = sorted(globmod.glob(expanded, recursive=True))
        if not matches and os.path.exists(expanded):
            matches = [expanded]
        if not matches:
            problems.append(LoadProblem(path=pattern, message=f"no run matches {pattern!r}"))
            continue
        unresolvable: list[str] = []
        for match in matches:
            real = _real(match)
            if real is None:
                unresolvable.append(match)
                continue
            if real in seen or any(str(parent) in run_keys for parent in Path(real).parents):
                continue  # already read, or inside a run already read (`runs/**` also matches its files)
            for run in split_runs(Path(match)):
                key = _real(str(run))
                if key is not None and key not in seen:
                    seen.add(key)
                    run_keys.add(key)
                    runs.append(run)
            seen.add(real)
        if unresolvable:
            problems.append(
                LoadProblem(
                    path=pattern,
                    message=(
                        f"{len(unresolvable)} path(s) matched by {pattern!r} cannot be resolved "
                        f"(a symlink loop or a broken link), skipped: {unresolvable[0]}"
                    ),
                )
            )
    return runs, problems


def _real(path: str) -> str | None:
    """The resolved path, or None for a broken link or a symlink loop."""
    try:
        real = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    return real


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
    except Exception as exc:
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
