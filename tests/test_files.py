"""autograd.files.write_atomic: what it replaces, what it refuses, and what it leaves behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograd.files import check_target, write_atomic


def leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def test_writes_through_a_symlink_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.svg"
    target.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "made.json")
    write_atomic(link, "{}")
    assert link.is_symlink() and (tmp_path / "made.json").read_text() == "{}"


def test_refuses_a_directory_and_a_trailing_slash(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match="directory"):
        write_atomic(tmp_path / "d", "x")
    with pytest.raises(IsADirectoryError, match="slash"):
        write_atomic(f"{tmp_path}/file.svg/", "x")
    assert not (tmp_path / "file.svg").exists()
    assert leftovers(tmp_path) == []


def test_refuses_a_pipe_or_device_and_leaves_it_alone(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    specials = [fifo]
    if os.geteuid() == 0:  # a null device of our own, never the machine's /dev/null
        os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        specials.append(tmp_path / "null")
    for path in specials:
        kind = os.stat(path).st_mode
        with pytest.raises(OSError, match="not a regular file"):
            write_atomic(path, "x")
        assert stat.S_IFMT(os.stat(path).st_mode) == stat.S_IFMT(kind)
    assert leftovers(tmp_path) == []


def test_respects_a_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text("kept")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        write_atomic(path, "new")
    assert path.read_text() == "kept" and leftovers(tmp_path) == []


def test_never_touches_the_process_umask(tmp_path: Path, monkeypatch) -> None:
    def no_umask(mask: int) -> int:
        raise AssertionError("os.umask called")

    monkeypatch.setattr(os, "umask", no_umask)
    write_atomic(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").read_text() == "x"


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old")
    path.chmod(0o640)
    write_atomic(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_bytes() == b"new"


def test_the_next_save_removes_what_a_killed_save_left(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    script = (
        "import sys, time\n"
        "from autograd.files import write_atomic\n"
        "def slow(f):\n"
        "    f.write('half'); f.flush(); print('writing', flush=True); time.sleep(60)\n"
        "write_atomic(sys.argv[1], slow)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.kill()
    finally:
        proc.wait(timeout=30)
    assert len(leftovers(tmp_path)) == 1 and not path.exists()
    write_atomic(path, "{}")
    assert leftovers(tmp_path) == [] and path.read_text() == "{}"


def test_a_save_in_progress_elsewhere_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    live = tmp_path / f".model.json.chainrule-{os.getppid()}-beef.tmp"  # a live process's
    live.write_text("partial")
    write_atomic(path, "{}")
    time.sleep(0)
    assert live.exists()


# ---- check_target: the one path check of every save, and errors that name the target -------


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("x.svg/", IsADirectoryError, "cannot write '{p}/x.svg/': a path ending in a slash"),
        ("missing/x.json", FileNotFoundError, "the folder '{p}/missing' does not exist"),
        ("afile/x.json", NotADirectoryError, "cannot write '{p}/afile/x.json': '{p}/afile' is not"),
        ("adir", IsADirectoryError, "cannot write '{p}/adir': it is a directory"),
    ],
)
def test_check_target_refuses_with_the_path_as_given(tmp_path: Path, name, error, message) -> None:
    (tmp_path / "afile").write_text("kept")
    (tmp_path / "adir").mkdir()
    before = sorted(os.listdir(tmp_path))
    for attempt in (check_target, lambda p: write_atomic(p, "new")):
        with pytest.raises(error) as e:
            attempt(f"{tmp_path}/{name}")
        assert message.format(p=tmp_path) in str(e.value)
        assert ".tmp" not in str(e.value)
    assert sorted(os.listdir(tmp_path)) == before and (tmp_path / "afile").read_text() == "kept"


def test_check_target_returns_the_file_a_symlink_leads_to(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link.svg").symlink_to(tmp_path / "real" / "g.svg")
    assert check_target(tmp_path / "link.svg") == tmp_path / "real" / "g.svg"
    assert check_target(str(tmp_path / "new.json")) == tmp_path / "new.json"


def test_an_error_creating_the_temporary_file_names_the_target(tmp_path: Path, monkeypatch):
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    target = tmp_path / "model.json"
    with pytest.raises(PermissionError) as e:
        write_atomic(target, "{}")
    assert e.value.errno == 13
    assert str(e.value) == f"[Errno 13] cannot write {str(target)!r}: Permission denied"
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_target_name_near_the_limit_still_gets_a_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / ("m" * 250 + ".json")  # 255 bytes: the longest name most systems take
    write_atomic(path, "{}")
    assert path.read_text() == "{}" and leftovers(tmp_path) == []
