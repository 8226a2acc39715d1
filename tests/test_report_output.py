"""The output directory helpers: the pre-analysis check, atomic writes and the `latest` link."""

from __future__ import annotations

import os

import pytest

from investigator.git.errors import InputError
from investigator.report.output import atomic_write_text, check_output_dir, new_run_id, point_latest


def test_check_accepts_new_existing_and_linked_directories_and_creates_nothing(tmp_path):
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    for ok in (tmp_path / "real", tmp_path / "link", tmp_path / "new" / "deeper"):
        check_output_dir(ok)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["link", "real"]


def test_check_refuses_a_dangling_link(tmp_path):
    os.symlink(tmp_path / "gone", tmp_path / "dangling")
    with pytest.raises(InputError, match="is a dangling symbolic link"):
        check_output_dir(tmp_path / "dangling")


def test_atomic_write_replaces_whole_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "r.md"
    target.write_text("old\n")
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n" and [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    target = tmp_path / "r.md"
    target.write_text("old\n")

    def fail(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="rename failed"):
        atomic_write_text(target, "new\n")
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_latest_link_follows_the_newest_and_never_replaces_a_real_entry(tmp_path):
    first, second = tmp_path / "investigation-a.md", tmp_path / "investigation-b.md"
    first.write_text("a")
    second.write_text("b")
    assert point_latest(first) == tmp_path / "latest.md"
    assert point_latest(second) == tmp_path / "latest.md"
    assert os.readlink(tmp_path / "latest.md") == "investigation-b.md"  # relative: the directory can move
    (tmp_path / "latest.json").mkdir()
    (tmp_path / "investigation-b.json").write_text("{}")
    assert point_latest(tmp_path / "investigation-b.json") is None and (tmp_path / "latest.json").is_dir()


def test_run_ids_differ_within_one_second_and_sort_by_time():
    import re

    ids = [new_run_id() for _ in range(50)]  # 6 random hex digits: a clash among 50 has p < 1e-4
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", i) for i in ids)
    assert sorted(ids, key=lambda i: i[:15]) == ids  # the time part never goes backwards
