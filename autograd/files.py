"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO

_TMP = ".{name}.chainrule-{pid}-{token}.tmp"  # the pid lets a later save spot a killed one's


def write_atomic(path: str | os.PathLike, data: str | bytes | Callable[[IO], object]) -> Path:
    """Write `data` (text, bytes, or a function that writes to an open file) to `path`.

    As `open(path, "w")` would, a symlink is written through to its target; a directory, a
    device or another non-regular file is refused, and so is a read-only file. The data goes
    to a temporary file beside the target, is flushed to disk, and then replaces the target in
    one rename; on any failure the old file is untouched and the temporary file removed (those
    of saves killed before the rename are removed by the next save to the same target). A new
    file gets the usual permissions (0o666 less the umask), a replaced file keeps its own.
    """
    text = os.fspath(path)
    if text.endswith(("/", os.sep)):
        raise IsADirectoryError(f"cannot write {text!r}: a path ending in a slash is a directory")
    target = Path(os.path.realpath(text))  # through symlinks, dangling ones included
    mode = _mode_of(target, text)
    _remove_stale(target)
    tmp = target.parent / _TMP.format(name=target.name, pid=os.getpid(), token=secrets.token_hex(4))
    binary = isinstance(data, bytes)
    # O_EXCL: never follow or reuse what is there; 0o666 lets the kernel apply the umask, so
    # the process umask is never read or changed (other threads may be creating files).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        f = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8")
        with f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
            if mode is not None:
                os.chmod(f.fileno(), mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_dir(target.parent)
    return Path(text)


def _mode_of(target: Path, shown: str) -> int | None:
    """The permission bits of the file being replaced, None for a new one; refuses a target
    that is not a regular file, or that is read-only."""
    try:
        st = target.stat()
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(f"cannot write {shown!r}: it is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise OSError(
            f"cannot write {shown!r}: it is not a regular file (a device, pipe or socket)"
        )
    if not st.st_mode & 0o222:
        raise PermissionError(f"cannot write {shown!r}: the file is read-only")
    return stat.S_IMODE(st.st_mode)


def _remove_stale(target: Path) -> None:
    """Remove temporary files of earlier saves to `target` whose process is gone."""
    prefix = f".{target.name}.chainrule-"
    try:
        names = [
            n for n in os.listdir(target.parent) if n.startswith(prefix) and n.endswith(".tmp")
        ]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(target.parent / name)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # someone else's live process, or no kill() here
        return True
    return True


def _sync_dir(directory: Path) -> None:
    """Make the rename itself durable, where the platform can open a directory."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
