"""The fast event-file reader returns exactly what tbparse returns, and survives bad files."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
from tbparse import SummaryReader
from tensorboard.compat.proto import event_pb2, summary_pb2

from investigator.metrics.crc32c import crc32c, crc32c_many, masked_crc32c
from investigator.metrics.tfrecord import read_event_file, read_scalars
from tests.support.metric_logs import frame_records, write_tensorboard_run


def tbparse_frame(path) -> pd.DataFrame:
    frame = SummaryReader(str(path), extra_columns={"wall_time"}).scalars
    if frame.empty:
        return frame
    return frame[["step", "tag", "value", "wall_time"]]


def assert_same_as_tbparse(path) -> pd.DataFrame:
    ours, problems = read_scalars(path)
    ref = tbparse_frame(path)
    assert len(ours) == len(ref)
    if len(ref):
        assert ours["tag"].tolist() == ref["tag"].tolist()
        assert np.array_equal(ours["step"].to_numpy(), ref["step"].to_numpy())
        assert np.array_equal(ours["value"].to_numpy(), ref["value"].to_numpy())  # bit-exact, not approx
        assert np.array_equal(ours["wall_time"].to_numpy(), ref["wall_time"].to_numpy())
    return ours


def event(step: int, wall: float, values: dict[str, float] | None = None, **fields) -> bytes:
    summary = None
    if values is not None:
        summary = summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=t, simple_value=v) for t, v in values.items()]
        )
    return event_pb2.Event(step=step, wall_time=wall, summary=summary, **fields).SerializeToString()


def test_crc32c_known_vector():
    assert crc32c(b"123456789") == 0xE3069283
    buf = np.frombuffer(b"xx123456789" + b"abc", dtype=np.uint8)
    out = crc32c_many(buf, np.array([2, 11, 0]), np.array([9, 3, 0]))
    assert out.tolist() == [0xE3069283, crc32c(b"abc"), crc32c(b"")]


def test_same_as_tbparse_raw_writer(tmp_path):
    rng = np.random.default_rng(0)
    steps = np.arange(0, 3000, 3)
    curves = {
        f"group{i % 3}/metric_{i}": (steps, rng.normal(size=len(steps)) * 10 ** (i - 2)) for i in range(6)
    }
    write_tensorboard_run(tmp_path / "run", curves)
    ours = assert_same_as_tbparse(tmp_path / "run")
    assert len(ours) == 6 * len(steps)


def test_same_as_tbparse_torch_summary_writer(tmp_path):
    steps = np.array([0, 1, 2, 5, 8, 13, 21])  # step 0 is not serialised by proto3: must still read as 0
    curves = {"charts/episodic_return": (steps, steps * 1.5), "losses/value_loss": (steps, 1 / (steps + 1.0))}
    path = write_tensorboard_run(tmp_path / "run", curves, writer="torch")
    assert path.exists()
    assert_same_as_tbparse(tmp_path / "run")


def test_same_as_tbparse_unusual_records(tmp_path):
    """Negative and huge steps, multi-value summaries, duplicates, a restart purge, graph-free extras."""
    records = [
        event(0, 1.0, file_version="brain.Event:2"),
        event(-5, 2.0, {"a": 1.0}),
        event(2**40, 3.0, {"a": 2.0}),
        event(3, 4.0, {"a": 3.0, "b": -0.5, "ü/ñ": 7.25}),  # several values in one summary: slow path
        event(3, 5.0, {"a": 4.0}),  # duplicate step: both kept, in file order
        event(10, 6.0, {"b": 1.5}),
        event(
            7, 7.0, session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START)
        ),  # restart: purge >= 7
        event(8, 8.0, {"b": 2.5}),
    ]
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "events.out.tfevents.1.host").write_bytes(frame_records(records))
    ours = assert_same_as_tbparse(tmp_path / "run")
    assert 10 not in ours["step"].tolist()  # purged by the restart
    assert 2**40 not in ours["step"].tolist() and -5 in ours["step"].tolist()  # START keeps steps < 7 only


def test_legacy_out_of_order_purge_matches_tbparse(tmp_path):
    """Files without file_version >= 2 purge by tag when a step goes backwards."""
    records = [
        event(1, 1.0, {"a": 1.0, "b": 1.0}),
        event(5, 2.0, {"a": 5.0, "b": 5.0}),
        event(3, 3.0, {"a": 3.0}),
    ]
    (tmp_path / "events.out.tfevents.2.host").write_bytes(frame_records(records))
    ours = assert_same_as_tbparse(tmp_path)
    assert ours[ours["tag"] == "a"]["step"].tolist() == [1, 3]
    assert ours[ours["tag"] == "b"]["step"].tolist() == [1, 5]


def test_several_files_in_a_directory(tmp_path):
    steps = np.arange(10)
    write_tensorboard_run(tmp_path, {"x": (steps, steps * 1.0)}, filename_suffix=".a")
    write_tensorboard_run(tmp_path / "sub", {"x": (steps + 5, steps * 2.0), "y": (steps, -steps * 1.0)})
    assert_same_as_tbparse(tmp_path)


def test_truncated_file_reads_what_is_readable(tmp_path):
    steps = np.arange(100)
    path = write_tensorboard_run(tmp_path, {"x": (steps, steps * 1.0)})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 7])  # cut inside the last record
    result = read_event_file(path)
    assert len(result) == 99
    assert any("truncated" in p for p in result.problems)
    assert_same_as_tbparse(path)


def test_corrupted_crc_stops_like_tbparse(tmp_path):
    steps = np.arange(50)
    path = write_tensorboard_run(tmp_path, {"x": (steps, steps * 1.0)})
    data = bytearray(path.read_bytes())
    (length,) = struct.unpack_from("<Q", data, 0)
    second = 16 + length  # start of record 1 (the first scalar)
    (length1,) = struct.unpack_from("<Q", data, second)
    third = second + 16 + length1
    data[third + 12 + 3] ^= 0xFF  # flip a byte inside the data of record 2
    path.write_bytes(bytes(data))
    result = read_event_file(path)
    assert len(result) == 1  # record 1 only; reading stops at the bad record
    assert any("CRC mismatch" in p for p in result.problems)
    assert_same_as_tbparse(path)
    unchecked = read_event_file(path, verify_crc=False)
    assert len(unchecked) >= 49  # without CRC checks the damaged record may still decode


def test_garbage_and_empty_files_never_raise(tmp_path):
    (tmp_path / "events.out.tfevents.garbage").write_bytes(
        b"\x05\x00\x00\x00\x00\x00\x00\x00" + b"\x00" * 4 + b"hello" + b"\x00" * 4
    )
    (tmp_path / "events.out.tfevents.empty").write_bytes(b"")
    frame, problems = read_scalars(tmp_path)
    assert frame.empty
    assert problems  # the CRC of the garbage record is wrong
    garbage_ok = read_event_file(tmp_path / "events.out.tfevents.garbage", verify_crc=False)
    assert len(garbage_ok) == 0 and any("not a valid Event" in p for p in garbage_ok.problems)


def test_missing_file_is_a_problem(tmp_path):
    result = read_event_file(tmp_path / "events.out.tfevents.nope")
    assert len(result) == 0 and result.problems


def test_frame_records_crc_matches_tensorboard():
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as tb_masked

    record = event(1, 2.0, {"x": 3.0})
    framed = frame_records([record])
    assert struct.unpack_from("<I", framed, 8)[0] == tb_masked(framed[:8])
    assert struct.unpack_from("<I", framed, 12 + len(record))[0] == tb_masked(record) == masked_crc32c(record)


@pytest.mark.parametrize("include", [True, False])
def test_tensor_scalars_optional(tmp_path, include):
    """TF2-style scalars (tensor + scalars plugin metadata) are read unless disabled; tbparse puts them in tensors."""
    from tensorboard.compat.proto import tensor_pb2, types_pb2

    meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
    )
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[0.75])
    ev = event_pb2.Event(
        step=4,
        wall_time=1.0,
        summary=summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="t", tensor=tensor, metadata=meta)]),
    )
    path = tmp_path / "events.out.tfevents.3.host"
    path.write_bytes(frame_records([ev.SerializeToString()]))
    result = read_event_file(path, include_tensor_scalars=include)
    assert (len(result) == 1) is include
    if include:
        assert result.values[0] == 0.75 and result.steps[0] == 4


def test_framing_search_ignores_fake_headers_inside_records(tmp_path):
    """A record whose payload contains a valid-looking header must not split the framing."""
    from investigator.metrics.tfrecord import _framing_by_search, _walk_framing_sequential

    fake_length = struct.pack("<Q", 5)
    fake = fake_length + struct.pack("<I", masked_crc32c(fake_length)) + b"12345" + b"\0" * 4
    records = [
        event(0, 1.0, file_version="brain.Event:2"),
        event_pb2.Event(step=1, wall_time=2.0, graph_def=b"xx" + fake + b"yy").SerializeToString(),
        event(2, 3.0, {"a": 1.0}),
    ]
    data = frame_records(records)
    found = _framing_by_search(data)
    reference = _walk_framing_sequential(data)
    assert found is not None
    for ours, ref in zip(found[:3], reference[:3], strict=True):
        assert np.array_equal(ours, ref)
    path = tmp_path / "events.out.tfevents.4.host"
    path.write_bytes(data)
    assert_same_as_tbparse(path)


def test_framing_search_defers_to_sequential_walk_on_damage():
    from investigator.metrics.tfrecord import _framing_by_search

    data = frame_records([event(1, 1.0, {"a": 1.0}), event(2, 2.0, {"a": 2.0})])
    assert _framing_by_search(data) is not None
    assert _framing_by_search(data[:-3]) is None  # truncated: the chain does not reach the end


def test_short_tag_in_the_last_record_of_the_file(tmp_path):
    """Tags are packed into fixed-width words; a short tag at the very end of the file must stay intact."""
    records = [
        event(1, 1.0, {"a_rather_long_tag_name/with_many_bytes_in_it": 1.0}),
        event(2, 2.0, {"z": 2.0}),
    ]
    path = tmp_path / "events.out.tfevents.5.host"
    path.write_bytes(frame_records(records))
    ours = assert_same_as_tbparse(path)
    assert ours["tag"].tolist() == ["a_rather_long_tag_name/with_many_bytes_in_it", "z"]


def test_zero_quads_across_chunk_boundaries(monkeypatch):
    import investigator.metrics.tfrecord as tfr

    rng = np.random.default_rng(0)
    buf = (rng.random(500) < 0.6).astype(np.uint8) * rng.integers(1, 255, 500).astype(np.uint8)
    expected = [q for q in range(4, 480) if not buf[q : q + 4].any()]
    monkeypatch.setattr(tfr, "_CHUNK", 7)
    assert tfr._zero_quads(buf, 4, 480).tolist() == expected
