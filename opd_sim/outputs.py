"""One atomic writer for every command that writes a directory (`run`, `compare`, `report`).

A command names the files it owns (:class:`OwnedFiles`). :func:`check_out_dir` decides, before
any work, whether the target may be written: it must be new, empty, or an earlier output of the
same command (only that command's files, all regular files, none of its required ones missing),
and it must not be a symbolic link. :func:`write_directory` then fills a staging directory
beside the target and swaps it in with renames, so a failure at any point leaves the earlier
output as it was (or nothing), never half of one.

Staging directories are named ``.NAME.staging-PID-XXXX`` (and an output being swapped out
``.NAME.old-PID-XXXX``) after the writing process, so that the next write to ``NAME`` can remove
those of writers that died (SIGKILL, power cut) without ever touching a live writer's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from opd_sim.errors import InvalidInput

__all__ = ["OwnedFiles", "check_out_dir", "clean_stale", "write_directory"]

_STAGING = "staging"
_OLD = "old"


@dataclass(frozen=True, slots=True)
class OwnedFiles:
    """The files one command writes into its directory.

    ``names``: every file it may write (what a rerun may replace); ``required``: the files every
    output of it holds, so a directory lacking one is not an earlier output of it; ``hint``:
    what to do instead, ending each refusal.
    """

    names: frozenset[str]
    required: frozenset[str]
    hint: str = "give a new or empty directory"


def _shown(out_dir: str | Path, label: str) -> str:
    return f"{label} {out_dir}" if label else str(out_dir)


def _resolve(out_dir: str | Path, shown: str) -> Path:
    """The absolute target with every ``..`` and every symlink above it resolved; the last
    component itself is kept (a symlink there is refused, not followed)."""
    raw = Path(out_dir).absolute()
    try:
        target = raw.resolve() if raw.name in ("", "..") else raw.parent.resolve() / raw.name
    except (OSError, RuntimeError) as error:  # Python 3.11 raises RuntimeError on a link loop
        raise InvalidInput(f"{shown}: cannot resolve the path ({error})") from None
    if target == target.parent:
        raise InvalidInput(f"{shown} is the file system root; give a subdirectory")
    return target


def check_out_dir(out_dir: str | Path, owned: OwnedFiles, label: str = "--out") -> Path:
    """The resolved target if ``owned`` files may be written there, else InvalidInput (exit 2).

    Reads only: nothing is created, moved or removed.
    """
    shown = _shown(out_dir, label)
    target = _resolve(out_dir, shown)
    if target.is_symlink():  # replacing it would drop the link; following it, write elsewhere
        raise InvalidInput(f"{shown} is a symbolic link (to {os.readlink(target)}); "
                           "give the directory itself")  # fmt: skip
    if target.exists():
        if not target.is_dir():
            raise InvalidInput(f"{shown} exists and is not a directory")
        cwd = Path.cwd().resolve()
        if target == cwd or target in cwd.parents:
            raise InvalidInput(f"{shown} is the working directory or holds it, which cannot "
                               "be swapped out; run opd-sim from elsewhere")  # fmt: skip
        _check_earlier_output(target, owned, shown)
    for parent in target.parents:  # the nearest existing ancestor must be a directory
        if parent.exists():
            if not parent.is_dir():
                raise InvalidInput(f"{shown}: {parent} is not a directory")
            break
    return target


def _check_earlier_output(target: Path, owned: OwnedFiles, shown: str) -> None:
    """Empty, or exactly an earlier output of the command: else replacing it would lose data."""
    try:
        entries = list(os.scandir(target))
    except OSError as error:
        raise InvalidInput(f"{shown}: cannot read it: {error.strerror}") from None
    if not entries:
        return
    others = sorted(e.name for e in entries if e.name not in owned.names)
    if others:
        raise InvalidInput(
            f"{shown} holds files this command did not write ({', '.join(others[:3])}"
            f"{', ...' if len(others) > 3 else ''}); {owned.hint}"
        )
    for entry in sorted(entries, key=lambda e: e.name):
        if not entry.is_file(follow_symlinks=False):
            kind = "symbolic link" if entry.is_symlink() else "directory" if entry.is_dir(
                follow_symlinks=False) else "special file"  # fmt: skip
            raise InvalidInput(f"{shown}: {entry.name} is a {kind}, not a file this command "
                               f"wrote; {owned.hint}")  # fmt: skip
    missing = sorted(owned.required - {e.name for e in entries})
    if missing:
        raise InvalidInput(f"{shown} is not an earlier output of this command (missing "
                           f"{', '.join(missing)}); {owned.hint}")  # fmt: skip


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists; anything uncertain counts as alive (kept)."""
    if pid <= 0 or os.name != "posix":  # os.kill(0, ...) would signal our own process group
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, as another user
        return True
    return True


def _writer_pid(entry_name: str, name: str) -> tuple[str, int] | None:
    """("staging" or "old", pid) if ``entry_name`` is a writer's directory for output ``name``."""
    for kind in (_STAGING, _OLD):
        prefix = f".{name}.{kind}-"
        if entry_name.startswith(prefix):
            pid = entry_name[len(prefix):].partition("-")[0]
            return (kind, int(pid)) if pid.isdigit() else None
    return None


def clean_stale(target: str | Path) -> None:
    """Remove the staging directories that dead writers left beside ``target``.

    An output a writer had already moved aside (``.NAME.old-PID-XXXX/NAME``) when it died is
    put back first if ``target`` is missing, so the earlier output is never lost.
    """
    target = Path(target)
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return  # nothing to clean, or not ours to read: the write itself will say what is wrong
    for entry in entries:
        found = _writer_pid(entry.name, target.name)
        if found is None or not entry.is_dir(follow_symlinks=False) or _alive(found[1]):
            continue
        aside = Path(entry.path) / target.name
        if found[0] == _OLD and aside.is_dir() and not os.path.lexists(target):
            with contextlib.suppress(OSError):
                os.replace(aside, target)
        shutil.rmtree(entry.path, ignore_errors=True)


def _mkdtemp(target: Path, kind: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.{kind}-{os.getpid()}-",
                                 dir=target.parent))  # fmt: skip


def _carry(source: Path, staging: Path, names: Iterable[str]) -> None:
    """Bring files of the earlier output into staging: hard links (no copy), else copies."""
    for name in names:
        try:
            os.link(source / name, staging / name, follow_symlinks=False)
        except OSError:  # another file system, or hard links not allowed
            shutil.copy2(source / name, staging / name, follow_symlinks=False)


def write_directory(
    out_dir: str | Path,
    owned: OwnedFiles,
    fill: Callable[[Path], object],
    carry: Iterable[str] = (),
    label: str = "--out",
) -> Path:
    """Make ``out_dir`` hold what ``fill(staging)`` writes (plus the files named in ``carry``,
    taken from the earlier output), replacing an earlier output in one swap; return the target.

    The target is checked again (:func:`check_out_dir`), stale staging of dead writers beside it
    is removed, and any OSError becomes InvalidInput with the earlier output left in place.
    """
    shown = _shown(out_dir, label)
    target = check_out_dir(out_dir, owned, label)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(target)
        staging = _mkdtemp(target, _STAGING)
    except OSError as error:
        raise InvalidInput(f"{shown}: cannot write there: {error.strerror}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp's 0700 would hide results from colleagues
        _carry(target, staging, carry)
        fill(staging)
        _swap(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise InvalidInput(f"{shown}: cannot write there: {error.strerror}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _swap(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an existing target is moved aside first and put back
    if the second rename fails."""
    if not os.path.lexists(target):
        os.replace(staging, target)
        return
    old = _mkdtemp(target, _OLD)
    os.replace(target, old / target.name)
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(old / target.name, target)  # the earlier output goes back where it was
        old.rmdir()
        raise
    shutil.rmtree(old, ignore_errors=True)
