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


def check_target(path: str | os.PathLike) -> Path:
    """The file a save to `path` writes (symlinks followed), after refusing, with an OSError
    that names `path`, what cannot be written: a path ending in a slash, a folder that does
    not exist or is not a folder, a directory, a device or pipe, a read-only file.

    Every save checks its path with this before any work (rendering, serialising), so that
    `g.svg/` is refused as `nn.save` refuses it, whichever object is saved.
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if text.endswith(("/", os.sep)) or (os.altsep is not None and text.endswith(os.altsep)):
        raise IsADirectoryError(f"cannot write {text!r}: a path ending in a slash is a directory")
    target = Path(os.path.realpath(text))  # through symlinks, dangling ones included
    _mode_of(target, text)
    folder = target.parent
    try:
        is_folder = folder.is_dir()
        exists = is_folder or folder.exists()
    except OSError as e:  # a name too long, a folder that cannot be searched, …
        raise type(e)(e.errno, f"cannot write {text!r}: {e.strerror}") from None
    given = os.path.dirname(text) or "."
    shown = given if os.path.realpath(given) == str(folder) else str(folder)  # as typed
    if not exists:
        raise FileNotFoundError(f"cannot write {text!r}: the folder {shown!r} does not exist")
    if not is_folder:
        raise NotADirectoryError(f"cannot write {text!r}: {shown!r} is not a folder")
    return target


def write_atomic(path: str | os.PathLike, data: str | bytes | Callable[[IO], object]) -> Path:
    """Write `data` (text, bytes, or a function that writes to an open file) to `path`.

    As `open(path, "w")` would, a symlink is written through to its target; what
    `check_target` refuses is refused (a directory, a device or another non-regular file, a
    read-only file, a missing folder). The data goes to a temporary file beside the target, is
    flushed to disk, and then replaces the target in one rename; on any failure the old file is
    untouched and the temporary file removed (those of saves killed before the rename are
    removed by the next save to the same target). A new file gets the usual permissions (0o666
    less the umask), a replaced file keeps its own. Every error names `path`, never the
    temporary file.
    """
    text = os.fsdecode(os.fspath(path))
    target = check_target(text)
    mode = _mode_of(target, text)
    _remove_stale(target)
    tmp = target.parent / _TMP.format(
        name=_short(target.name), pid=os.getpid(), token=secrets.token_hex(4)
    )
    binary = isinstance(data, bytes)
    # O_EXCL: never follow or reuse what is there; 0o666 lets the kernel apply the umask, so
    # the process umask is never read or changed (other threads may be creating files).
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:  # a folder we may not write in, a full disk, …: say the target
        raise _about(e, text) from None
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
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename is not None:
            raise _about(e, text) from None
        raise
    _sync_dir(target.parent)
    return Path(text)


def _about(e: OSError, shown: str) -> OSError:
    """The same error, of the same type and errno, naming the target instead of a temporary
    file."""
    return type(e)(e.errno, f"cannot write {shown!r}: {e.strerror or e}")


def _short(name: str) -> str:
    """A temporary file's name keeps at most 100 characters of the target's, so that it stays
    within the file system's limit where the target's own name is near it."""
    return name if len(name) <= 100 else name[:100]


def _mode_of(target: Path, shown: str) -> int | None:
    """The permission bits of the file being replaced, None for a new one; refuses a target
    that is not a regular file, or that is read-only."""
    try:
        st = target.stat()
    except (FileNotFoundError, NotADirectoryError):  # a new file (or a folder that is not one)
        return None
    except OSError as e:  # a name too long, a folder that cannot be searched, …
        raise _about(e, shown) from None
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
    prefix = f".{_short(target.name)}.chainrule-"
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
