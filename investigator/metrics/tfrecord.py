"""A fast scalar reader for TensorBoard event files.

Why: tbparse goes through TensorBoard's EventAccumulator, which checks every record's CRC in pure
Python and builds one protobuf and one Python object per scalar; a million scalars take minutes.
This reader parses the TFRecord framing itself, checks CRCs for all records at once (numpy, see
`crc32c.py`), and decodes the common record layout ("Event{wall_time, step, Summary{Value{tag,
simple_value}}}", what `SummaryWriter.add_scalar` writes) with vectorised numpy. Records with any
other layout go through TensorBoard's compiled protobuf classes one by one.

It reproduces EventAccumulator's semantics so that the result equals tbparse's scalars exactly:
reading stops at the first truncated record or CRC mismatch, and orphaned data is purged on a
`SessionLog.START` (file_version >= 2) or on an out-of-order step (older files). Unlike tbparse it
never raises on bad data: every problem is returned as text for an `AnalyzerFailure`.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from investigator.lazymodule import LazyModule
from investigator.metrics.crc32c import crc32c_many, mask

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = LazyModule("pandas")  # imported when a log is read: static runs never pay for it

_HEADER = struct.Struct("<Q")
_UINT32 = struct.Struct("<I")


@dataclass
class EventFileScalars:
    """Scalars of one event file, in file order (before any sorting)."""

    path: str
    tags: list[str]
    tag_codes: np.ndarray  # int32 index into tags
    steps: np.ndarray  # int64
    values: np.ndarray  # float64 (simple_value is float32 on disk; widened exactly)
    wall_times: np.ndarray  # float64
    records: int = 0  # records read (framing)
    problems: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.steps)

    def to_frame(self) -> pd.DataFrame:
        return _frame([self])


def is_event_file(path: str | os.PathLike[str]) -> bool:
    """TensorBoard's own test (`io_wrapper.IsSummaryEventsFile`)."""
    return "tfevents" in os.path.basename(os.fspath(path))


# --------------------------------------------------------------------------------------------
# framing


def _walk_framing(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """Offsets of each record's length header, data start, data length; a truncation message."""
    fast = _framing_by_search(data)
    if fast is not None:
        return fast
    return _walk_framing_sequential(data)


_MAX_FAST_LENGTH = 1 << 24


def _framing_by_search(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None] | None:
    """Find all record headers at once, or None when the file needs the sequential walk.

    A header is 8 bytes of length (high 4 bytes zero for any record < 4 GiB) and the masked CRC of
    those 8 bytes, so candidates are the positions with four zero bytes at +4 whose stored CRC
    matches. The result is accepted only if the candidates chain exactly from byte 0 to the end of
    the file (each one starts where the previous record ends): then it is, by induction, exactly
    what the sequential walk finds. Anything else (truncation, corruption, records >= 16 MiB)
    falls back to the sequential walk.
    """
    size = len(data)
    if size < 16:
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    u32 = np.ndarray(shape=(size - 3,), dtype="<u4", buffer=buf, strides=(1,))
    cand = _zero_quads(buf, first=4, stop=size - 11) - 4  # p with bytes p+4..p+7 zero, room for the CRC
    if len(cand) == 0:
        return None
    lengths = u32[cand].astype(np.int64)
    keep = lengths < _MAX_FAST_LENGTH
    cand, lengths = cand[keep], lengths[keep]
    ok = u32[cand + 8] == _header_crcs(lengths)
    head, lengths = cand[ok].astype(np.int64), lengths[ok]
    if len(head) == 0 or head[0] != 0:
        return None
    ends = head + 16 + lengths
    if ends[-1] == size and np.array_equal(ends[:-1], head[1:]):
        return head, head + 12, lengths, None
    # false candidates inside records (a matching CRC by chance): keep the chain from byte 0 only
    position = {int(h): i for i, h in enumerate(head.tolist())}
    chain: list[int] = []
    at = 0
    while at in position:
        i = position[at]
        chain.append(i)
        at = int(ends[i])
    if at != size:
        return None
    idx = np.asarray(chain, dtype=np.int64)
    return head[idx], head[idx] + 12, lengths[idx], None


_CHUNK = 1 << 22


def _zero_quads(buf: np.ndarray, first: int, stop: int) -> np.ndarray:
    """Positions q in [first, stop) where buf[q : q + 4] are all zero.

    Contiguous byte comparisons (SIMD), in cache-sized chunks, instead of unaligned 4-byte loads
    over the whole file."""
    out = []
    for lo in range(first, stop, _CHUNK):
        hi = min(stop, lo + _CHUNK)
        zero = buf[lo : hi + 3] == 0
        pairs = zero[:-1] & zero[1:]
        quads = pairs[:-2] & pairs[2:]
        out.append(np.flatnonzero(quads[: hi - lo]) + lo)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _walk_framing_sequential(data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """Record by record (the reference; used for damaged files)."""
    size = len(data)
    heads: list[int] = []
    unpack = _HEADER.unpack_from
    append = heads.append
    off = 0
    problem = None
    while off < size:
        if off + 12 > size:
            problem = f"truncated record header at byte {off} of {size}"
            break
        (length,) = unpack(data, off)
        end = off + 16 + length
        if end > size:
            problem = (
                f"truncated record at byte {off}: needs {length} bytes of data, file has {size - off - 12}"
            )
            break
        append(off)
        off = end
    head = np.asarray(heads, dtype=np.int64)
    if len(head):
        buf = np.frombuffer(data, dtype=np.uint8)
        lengths = _gather_uint(buf, head, 8).astype(np.int64)
    else:
        lengths = np.zeros(0, dtype=np.int64)
    return head, head + 12, lengths, problem


def _gather_uint(buf: np.ndarray, pos: np.ndarray, nbytes: int) -> np.ndarray:
    """Little-endian unsigned integers of `nbytes` (4 or 8) bytes at arbitrary byte positions.

    One gather through an unaligned, 1-byte-strided view instead of one gather per byte."""
    dtype = np.dtype("<u8") if nbytes == 8 else np.dtype("<u4")
    if len(buf) < nbytes:
        return np.zeros(len(pos), dtype=np.uint64)
    view = np.ndarray(shape=(len(buf) - nbytes + 1,), dtype=dtype, buffer=buf, strides=(1,))
    return view[pos].astype(np.uint64)


def _header_crcs(lengths: np.ndarray) -> np.ndarray:
    """Masked CRC of each 8-byte length header. It depends only on the length value, so it is
    computed once per distinct length (a handful in a scalar file) and looked up."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if len(lengths) == 0:
        return np.zeros(0, dtype=np.uint32)
    distinct = pd.unique(lengths)
    length_bytes = np.frombuffer(distinct.astype("<u8").tobytes(), dtype=np.uint8)
    crcs = np.asarray(
        mask(
            crc32c_many(length_bytes, np.arange(len(distinct), dtype=np.int64) * 8, np.full(len(distinct), 8))
        )
    )
    if int(distinct.max()) < (1 << 22) and int(distinct.min()) >= 0:
        table = np.zeros(int(distinct.max()) + 1, dtype=np.uint32)
        table[distinct] = crcs
        return table[lengths]
    order = np.argsort(distinct)
    return crcs[order][np.searchsorted(distinct[order], lengths)]


def _check_crcs(
    buf: np.ndarray, head: np.ndarray, starts: np.ndarray, lengths: np.ndarray
) -> tuple[int, str | None]:
    """Index of the first record whose header or data CRC is wrong (len(head) if none)."""
    n = len(head)
    if n == 0:
        return 0, None
    header_crc = _header_crcs(lengths)
    stored_header = _gather_uint(buf, head + 8, 4).astype(np.uint32)
    bad_header = np.flatnonzero(header_crc != stored_header)
    data_crc = mask(crc32c_many(buf, starts, lengths))
    stored_data = _gather_uint(buf, starts + lengths, 4).astype(np.uint32)
    bad_data = np.flatnonzero(data_crc != stored_data)
    first_header = int(bad_header[0]) if len(bad_header) else n
    first_data = int(bad_data[0]) if len(bad_data) else n
    first = min(first_header, first_data)
    if first == n:
        return n, None
    what = "header" if first_header <= first_data else "data"
    return (
        first,
        f"CRC mismatch in the {what} of record {first} (byte {int(head[first])}); later records not read",
    )


# --------------------------------------------------------------------------------------------
# vectorised decoding of the common layout


def _varint(buf: np.ndarray, pos: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Decode base-128 varints at `pos`; returns (value as uint64, number of bytes; 0 if invalid).

    One gather for all records (most varints are one byte), then only the longer ones continue."""
    first = buf[np.minimum(pos, limit)].astype(np.uint64)
    value = first & np.uint64(0x7F)
    nbytes = np.ones(len(pos), dtype=np.int64)
    alive = np.flatnonzero(first >= 0x80)
    nbytes[alive] = 0
    for i in range(1, 10):
        if len(alive) == 0:
            break
        b = buf[np.minimum(pos[alive] + i, limit)].astype(np.uint64)
        value[alive] |= (b & np.uint64(0x7F)) << np.uint64(7 * i)
        done = b < 0x80
        nbytes[alive[done]] = i + 1
        alive = alive[~done]
    return value, nbytes


@dataclass
class _Fast:
    ok: np.ndarray
    steps: np.ndarray
    wall: np.ndarray
    values: np.ndarray
    tag_start: np.ndarray
    tag_len: np.ndarray


def _decode_simple(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> _Fast:
    """Decode records of the layout 09 wall 10 step 2a len 0a len 0a len tag 15 float, vectorised."""
    limit = len(buf) - 1
    ends = starts + lengths

    def at(p: np.ndarray) -> np.ndarray:
        return buf[np.minimum(p, limit)]

    ok = (lengths >= 16) & (at(starts) == 0x09)
    wall = _gather_uint(buf, np.minimum(starts + 1, limit - 8), 8).view(np.float64)
    p = starts + 9
    has_step = at(p) == 0x10
    step_raw, step_n = _varint(buf, p + 1, limit)
    ok &= ~has_step | (step_n > 0)
    steps = np.where(has_step, step_raw, np.uint64(0)).view(np.int64)
    p = np.where(has_step, p + 1 + step_n, p)
    ok &= at(p) == 0x2A
    slen, k = _varint(buf, p + 1, limit)
    p = p + 1 + k
    ok &= (k > 0) & (p + slen.astype(np.int64) == ends)
    ok &= at(p) == 0x0A
    vlen, k = _varint(buf, p + 1, limit)
    p = p + 1 + k
    ok &= (k > 0) & (p + vlen.astype(np.int64) == ends)
    ok &= at(p) == 0x0A
    tlen, k = _varint(buf, p + 1, limit)
    tag_start = p + 1 + k
    tag_len = tlen.astype(np.int64)
    p = tag_start + tag_len
    ok &= (k > 0) & (at(p) == 0x15) & (p + 5 == ends)
    raw = _gather_uint(buf, np.minimum(p + 1, limit - 4), 4).astype(np.uint32)
    values = raw.view(np.float32).astype(np.float64)
    return _Fast(ok, steps, wall, values, tag_start, tag_len)


_MAX_VECTOR_TAG = 128


def _factorize_tags(
    data: bytes,
    buf: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    tag_index: dict[bytes, int],
    tags: list[str],
) -> np.ndarray:
    """Tag code of each record, exactly (no hashing): tag bytes packed into 64-bit words, factorised.

    Why: a dict lookup per record costs as much as the rest of the decoding together.
    """
    n = len(starts)
    codes = np.empty(n, dtype=np.int32)
    short = lengths <= _MAX_VECTOR_TAG
    idx = np.flatnonzero(short)
    if len(idx):
        width = max(8, int(-(-int(lengths[idx].max()) // 8) * 8))
        pos = starts[idx]
        lens = lengths[idx]
        key, _ = pd.factorize(lens)
        key = key.astype(np.int64)
        words = (
            np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))
            if len(buf) >= 8
            else None
        )
        for w in range(width // 8):
            # valid bytes of this word; the rest are masked to zero. A word with valid bytes never
            # reaches past the file (a decoded tag is followed by >= 9 bytes), and clamping the
            # position of a fully masked word changes nothing.
            valid = np.clip(lens - 8 * w, 0, 8).astype(np.uint64)
            at = np.minimum(pos + 8 * w, len(buf) - 8)
            word = words[at] if words is not None else np.zeros(len(idx), dtype=np.uint64)
            keep = np.where(
                valid == 8,
                np.uint64(0xFFFFFFFFFFFFFFFF),
                (np.uint64(1) << (valid * np.uint64(8))) - np.uint64(1),
            )
            word = word & keep
            sub, _ = pd.factorize(word)
            key, _ = pd.factorize(key * (int(sub.max()) + 1) + sub)
            key = key.astype(np.int64)
        first = np.unique(key, return_index=True)[1]
        local = np.empty(len(first), dtype=np.int32)
        for k, row in enumerate(first.tolist()):
            a = int(starts[idx[row]])
            raw = data[a : a + int(lengths[idx[row]])]
            code = tag_index.get(raw)
            if code is None:
                code = tag_index[raw] = len(tags)
                tags.append(raw.decode("utf-8", errors="replace"))
            local[k] = code
        codes[idx] = local[key]
    for i in np.flatnonzero(~short).tolist():
        a = int(starts[i])
        raw = data[a : a + int(lengths[i])]
        code = tag_index.get(raw)
        if code is None:
            code = tag_index[raw] = len(tags)
            tags.append(raw.decode("utf-8", errors="replace"))
        codes[i] = code
    return codes


# --------------------------------------------------------------------------------------------
# slow path: anything else, through the compiled protos


@dataclass
class _SlowRecord:
    index: int
    step: int
    wall_time: float
    file_version: float | None = None
    session_start: bool = False
    has_summary: bool = False
    value_tags: list[str] = field(default_factory=list)
    scalars: list[tuple[str, float, bool]] = field(default_factory=list)  # (tag, value, from_tensor)


def _parse_slow(record: bytes, index: int, scalar_plugin_tags: set[str]) -> _SlowRecord:
    from tensorboard.compat.proto import event_pb2

    event = event_pb2.Event.FromString(record)
    out = _SlowRecord(index=index, step=int(event.step), wall_time=float(event.wall_time))
    if event.HasField("file_version"):
        tokens = event.file_version.split("brain.Event:")
        try:
            out.file_version = float(tokens[-1])
        except ValueError:
            out.file_version = -1.0
    if event.HasField("session_log") and event.session_log.status == event_pb2.SessionLog.START:
        out.session_start = True
    if (
        event.HasField("graph_def")
        or event.HasField("meta_graph_def")
        or event.HasField("tagged_run_metadata")
    ):
        return out
    if event.HasField("summary"):
        out.has_summary = True
        for value in event.summary.value:
            out.value_tags.append(value.tag)
            if value.HasField("metadata") and value.metadata.plugin_data.plugin_name == "scalars":
                scalar_plugin_tags.add(value.tag)
            if value.HasField("simple_value"):
                out.scalars.append((value.tag, float(value.simple_value), False))
            elif value.HasField("tensor") and value.tag in scalar_plugin_tags:
                from tensorboard.util import tensor_util  # heavy import: only for TF2-style scalars

                array = tensor_util.make_ndarray(value.tensor)
                if array.size == 1 and array.dtype.kind in "fiub":
                    out.scalars.append((value.tag, float(array.reshape(-1)[0]), True))
    return out


# --------------------------------------------------------------------------------------------
# public entry points


def read_event_file(
    path: str | os.PathLike[str], *, verify_crc: bool = True, include_tensor_scalars: bool = True
) -> EventFileScalars:
    """Read every scalar of one event file; never raises on bad content (see `.problems`)."""
    path = os.fspath(path)
    problems: list[str] = []
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return _empty(path, [f"cannot read {path}: {exc.strerror or exc}"])
    head, starts, lengths, trunc = _walk_framing(data)
    buf = np.frombuffer(data, dtype=np.uint8)
    if verify_crc:
        first_bad, crc_problem = _check_crcs(buf, head, starts, lengths)
        if crc_problem:
            problems.append(crc_problem)
            head, starts, lengths = head[:first_bad], starts[:first_bad], lengths[:first_bad]
            trunc = None  # reading stopped before the truncation point
    if trunc:
        problems.append(trunc)
    n = len(starts)
    fast = _decode_simple(buf, starts, lengths) if n else None

    tag_index: dict[bytes, int] = {}
    tags: list[str] = []
    row_rec: list[np.ndarray] = []
    row_sub: list[np.ndarray] = []
    row_tag: list[np.ndarray] = []
    row_step: list[np.ndarray] = []
    row_val: list[np.ndarray] = []
    row_wall: list[np.ndarray] = []
    row_tensor: list[np.ndarray] = []
    rec_step = np.zeros(n, dtype=np.int64)
    rec_summary = np.zeros(n, dtype=bool)
    slow: list[_SlowRecord] = []

    if fast is not None:
        ok_idx = np.flatnonzero(fast.ok)
        rec_step[ok_idx] = fast.steps[ok_idx]
        rec_summary[ok_idx] = True
        codes = _factorize_tags(data, buf, fast.tag_start[ok_idx], fast.tag_len[ok_idx], tag_index, tags)
        row_rec.append(ok_idx)
        row_sub.append(np.zeros(len(ok_idx), dtype=np.int64))
        row_tag.append(codes)
        row_step.append(fast.steps[ok_idx])
        row_val.append(fast.values[ok_idx])
        row_wall.append(fast.wall[ok_idx])
        row_tensor.append(np.zeros(len(ok_idx), dtype=bool))

        scalar_plugin_tags: set[str] = set()
        slow_rows: list[tuple[int, int, int, int, float, float, bool]] = []
        for i in np.flatnonzero(~fast.ok).tolist():
            s = int(starts[i])
            record = data[s : s + int(lengths[i])]
            try:
                parsed = _parse_slow(record, i, scalar_plugin_tags)
            except Exception as exc:
                problems.append(
                    f"record {i} (byte {int(head[i])}) is not a valid Event: {type(exc).__name__}"
                )
                continue
            slow.append(parsed)
            rec_step[i] = parsed.step
            rec_summary[i] = parsed.has_summary
            for position, (tag, value, from_tensor) in enumerate(parsed.scalars):
                if from_tensor and not include_tensor_scalars:
                    continue
                key = tag.encode("utf-8")
                code = tag_index.get(key)
                if code is None:
                    code = tag_index[key] = len(tags)
                    tags.append(tag)
                slow_rows.append((i, position, code, parsed.step, value, parsed.wall_time, from_tensor))
        if slow_rows:
            rec_i, sub_i, code_i, step_i, val_i, wall_i, tensor_i = zip(*slow_rows, strict=True)
            row_rec.append(np.asarray(rec_i, dtype=np.int64))
            row_sub.append(np.asarray(sub_i, dtype=np.int64))
            row_tag.append(np.asarray(code_i, dtype=np.int32))
            row_step.append(np.asarray(step_i, dtype=np.int64))
            row_val.append(np.asarray(val_i, dtype=np.float64))
            row_wall.append(np.asarray(wall_i, dtype=np.float64))
            row_tensor.append(np.asarray(tensor_i, dtype=bool))

    if not row_rec or sum(len(r) for r in row_rec) == 0:
        return _empty(path, problems, records=n)
    rec = np.concatenate(row_rec)
    sub = np.concatenate(row_sub)
    order = np.lexsort((sub, rec))
    rec = rec[order]
    tag_codes = np.concatenate(row_tag)[order]
    steps = np.concatenate(row_step)[order]
    values = np.concatenate(row_val)[order]
    walls = np.concatenate(row_wall)[order]
    tensor = np.concatenate(row_tensor)[order]

    keep = _purge_mask(rec, tag_codes, steps, tensor, slow, rec_step, rec_summary, tags)
    return EventFileScalars(
        path=path,
        tags=tags,
        tag_codes=tag_codes[keep],
        steps=steps[keep],
        values=values[keep],
        wall_times=walls[keep],
        records=n,
        problems=problems,
    )


def _purge_mask(
    rec: np.ndarray,
    tag_codes: np.ndarray,
    steps: np.ndarray,
    tensor: np.ndarray,
    slow: list[_SlowRecord],
    rec_step: np.ndarray,
    rec_summary: np.ndarray,
    tags: list[str],
) -> np.ndarray:
    """EventAccumulator's orphaned-data purge, applied after the fact (each purge is independent)."""
    keep = np.ones(len(rec), dtype=bool)
    purgeable = ~tensor  # tensors are not in EventAccumulator.accumulated_attrs
    versions = [(r.index, r.file_version) for r in slow if r.file_version is not None]
    n = len(rec_step)
    # file version in effect at each record: the latest file_version event at or before it
    version_at = np.full(n, np.nan)
    for index, version in versions:
        version_at[index:] = version
    modern = version_at >= 2  # NaN compares False: legacy logic
    for r in slow:
        if r.session_start and modern[r.index]:
            keep &= ~(purgeable & (rec < r.index) & (steps >= r.step))
    legacy_idx = np.flatnonzero(~modern)
    if len(legacy_idx) == 0:
        return keep
    value_tags = {r.index: r.value_tags for r in slow}
    code_of = {t: i for i, t in enumerate(tags)}
    most_recent = -1
    # fast-path records carry exactly one value: their own tag
    rec_first_row = np.full(n, -1, dtype=np.int64)
    rec_first_row[rec[::-1]] = np.arange(len(rec))[::-1]
    for i in legacy_idx.tolist():
        step = int(rec_step[i])
        if step < most_recent and rec_summary[i]:
            event_tags = value_tags[i] if i in value_tags else [tags[int(tag_codes[rec_first_row[i]])]]
            before = purgeable & (rec < i) & (steps >= step)
            if any(t == "" for t in event_tags):  # Reservoir.FilterItems(key='') filters every bucket
                keep &= ~before
            else:
                codes = [code_of[t] for t in event_tags if t in code_of]
                keep &= ~(before & np.isin(tag_codes, codes))
        else:
            most_recent = step
    return keep


def _empty(path: str, problems: list[str], records: int = 0) -> EventFileScalars:
    return EventFileScalars(
        path=path,
        tags=[],
        tag_codes=np.zeros(0, dtype=np.int32),
        steps=np.zeros(0, dtype=np.int64),
        values=np.zeros(0, dtype=np.float64),
        wall_times=np.zeros(0, dtype=np.float64),
        records=records,
        problems=problems,
    )


def event_files_under(path: str | os.PathLike[str], _seen: set[str] | None = None) -> list[str]:
    """Event files in tbparse's order: sorted directory entries, depth first.

    A directory reached twice (a symlink loop, two links to one directory) is read once."""
    path = os.fspath(path)
    if os.path.isfile(path):
        return [path] if is_event_file(path) else []
    seen = set() if _seen is None else _seen
    real = os.path.realpath(path)
    if real in seen:
        return []
    seen.add(real)
    out: list[str] = []
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return out
    for name in names:
        child = os.path.join(path, name)
        if os.path.isdir(child):
            out.extend(event_files_under(child, seen))
        elif is_event_file(child):
            out.append(child)
    return out


def read_scalars(
    path: str | os.PathLike[str], *, verify_crc: bool = True, include_tensor_scalars: bool = True
) -> tuple[pd.DataFrame, list[str]]:
    """All scalars under a file or directory as tbparse's frame (step, tag, value, wall_time), plus problems."""
    files = [
        read_event_file(p, verify_crc=verify_crc, include_tensor_scalars=include_tensor_scalars)
        for p in event_files_under(path)
    ]
    problems = [f"{f.path}: {msg}" for f in files for msg in f.problems]
    return _frame(files), problems


def _frame(files: list[EventFileScalars]) -> pd.DataFrame:
    """Concatenate files and sort by (tag, step) stably, as tbparse does."""
    all_tags = sorted({t for f in files for t in f.tags})
    if not all_tags or sum(len(f) for f in files) == 0:
        return pd.DataFrame(
            {
                "step": np.zeros(0, dtype=np.int64),
                "tag": np.zeros(0, dtype=object),
                "value": np.zeros(0, dtype=np.float64),
                "wall_time": np.zeros(0, dtype=np.float64),
            }
        )
    rank = {t: i for i, t in enumerate(all_tags)}
    codes = np.concatenate(
        [np.asarray([rank[t] for t in f.tags], dtype=np.int32)[f.tag_codes] for f in files if len(f)]
    )
    steps = np.concatenate([f.steps for f in files if len(f)])
    values = np.concatenate([f.values for f in files if len(f)])
    walls = np.concatenate([f.wall_times for f in files if len(f)])
    order = np.lexsort((steps, codes))
    codes = codes[order]
    tag_col = pd.Categorical.from_codes(codes, categories=all_tags).astype(object)
    return pd.DataFrame(
        {
            "step": steps[order],
            "tag": np.asarray(tag_col, dtype=object),
            "value": values[order],
            "wall_time": walls[order],
        }
    )


def header_crc_ok(data: bytes, offset: int) -> bool:
    """Whether the length header at `offset` carries a valid CRC (used by tests and diagnostics)."""
    from investigator.metrics.crc32c import masked_crc32c

    (stored,) = _UINT32.unpack_from(data, offset + 8)
    return masked_crc32c(data[offset : offset + 8]) == stored
