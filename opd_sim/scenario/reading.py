"""From a file to a YAML tree that knows where each key sits, or problems saying why not.

Checks, in order: the file is a regular file (or the pipe on stdin) of at most 1 MiB, it can be
read, it is UTF-8, it is YAML (tabs in indentation and duplicate keys named as such), it holds
something, that something is a mapping, and aliases do not blow it up.
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path
from typing import Any

from opd_sim.errors import ScenarioError
from opd_sim.scenario.problems import Problem
from opd_sim.scenario.yaml_problems import (
    duplicate_keys,
    syntax_problem,
    tab_problems,
    unreadable_scalars,
)

__all__ = ["MAX_FILE_BYTES", "decode", "parse_yaml", "plain", "read_bytes", "read_text"]


def read_bytes(path: str | Path, filename: str) -> bytes:
    """The file's bytes, read once; ScenarioError if it is missing, a directory, not a regular
    file (a named pipe, a device), unreadable, or larger than :data:`MAX_FILE_BYTES`.

    A pipe on standard input (``cat s.yaml | opd-sim run /dev/stdin``) is read too, up to the
    same size: it is the one file that is not a regular file a user means to hand over.
    """
    try:
        # stat before open: open() of a named pipe would wait for a writer, maybe for ever
        _check_kind(os.stat(path), filename)
        # and O_NONBLOCK: should a pipe replace the file in between, open() still returns at once
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise _error(_os_problem(filename, error)) from None
    except ValueError:  # a NUL in the name
        raise _error(Problem(filename, None, None, "file", "not a valid file name")) from None
    try:
        status = os.fstat(fd)  # what was opened is what counts
        _check_kind(status, filename)
        if stat.S_ISREG(status.st_mode) and status.st_size > MAX_FILE_BYTES:
            message = f"is {status.st_size:,} bytes; a scenario file is at most {_LIMIT}"
            raise _error(Problem(filename, None, None, "file", message))
        if _NONBLOCK:
            os.set_blocking(fd, True)  # stdin's pipe: wait for its writer, as readers of stdin do
        raw = _read_at_most(fd, MAX_FILE_BYTES + 1)
    except OSError as error:
        raise _error(_os_problem(filename, error)) from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:  # a pipe, or a file that grew after fstat
        message = f"holds more than {_LIMIT}, the most a scenario file may hold"
        raise _error(Problem(filename, None, None, "file", message))
    return raw


def decode(raw: bytes, filename: str) -> str:
    """The bytes as text (UTF-8, an optional BOM dropped); ScenarioError at the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _byte_position(raw, error.start)
        message = f"not valid UTF-8 text (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        raise _error(Problem(filename, line, column, "file", message)) from None


def read_text(path: str | Path, filename: str) -> str:
    """The file's text; ScenarioError for any reason :func:`read_bytes` or :func:`decode` gives."""
    return decode(read_bytes(path, filename), filename)


#: The largest scenario file read (1 MiB). The biggest shipped scenario is under 5 kB; parsing
#: is the cost (about a second per MiB of YAML), so a 50 MB file held ``validate`` for a minute.
MAX_FILE_BYTES = 1 << 20
_LIMIT = f"{MAX_FILE_BYTES:,} bytes (1 MiB)"
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # not on Windows, where there are no named pipes to fear


def _check_kind(status: os.stat_result, filename: str) -> None:
    """Raise unless ``status`` is of a regular file, or of the pipe on our standard input."""
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise _error(Problem(filename, None, None, "file", "is a directory, not a scenario file"))
    if stat.S_ISFIFO(mode) and _is_our_stdin(status):
        return
    kinds = ((stat.S_ISFIFO, "a pipe"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))  # fmt: skip
    kind = next((name for test, name in kinds if test(mode)), "not a file")
    message = f"is {kind}, not a regular file; give a scenario file (or pipe one on stdin)"
    raise _error(Problem(filename, None, None, "file", message))


def _is_our_stdin(status: os.stat_result) -> bool:
    try:
        ours = os.fstat(0)
    except OSError:  # stdin closed
        return False
    return (ours.st_dev, ours.st_ino) == (status.st_dev, status.st_ino)


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(1 << 16, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _os_problem(filename: str, error: OSError) -> Problem:
    if isinstance(error, FileNotFoundError):
        return Problem(filename, None, None, "file", "no such file")
    if isinstance(error, IsADirectoryError):
        return Problem(filename, None, None, "file", "is a directory, not a scenario file")
    reason = (error.strerror or str(error)).lower()
    return Problem(filename, None, None, "file", reason)


def parse_yaml(text: str, filename: str) -> Any:
    """The round-trip YAML tree of ``text``: a mapping with ``.lc`` positions."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = YAML(typ="rt").load(text)
    except DuplicateKeyError as error:
        duplicates = duplicate_keys(text, filename)
        raise _error(*(duplicates or [syntax_problem(error, filename)])) from None
    except MarkedYAMLError as error:
        tabs = tab_problems(text, filename, error)
        raise _error(*(tabs or [syntax_problem(error, filename)])) from None
    except YAMLError as error:  # unmarked: rare, but never a traceback
        raise _error(Problem(filename, 1, 1, "yaml", str(error))) from None
    except RecursionError:
        raise _error(Problem(filename, 1, 1, "yaml", "nested too deeply to read")) from None
    except Exception as error:  # a scalar its tag cannot build (!!int abc, 2024-13-45), or worse
        unreadable = unreadable_scalars(text, filename)
        if not unreadable:  # e.g. a list used as a key inside a key: place unknown
            reason = f"cannot read the file as YAML ({type(error).__name__}: {error})"
            unreadable = [Problem(filename, 1, 1, "yaml", reason)]
        raise _error(*unreadable) from None
    if tree is None:
        raise _error(Problem(filename, 1, 1, "scenario", _nothing_in(text)))
    if not isinstance(tree, dict):
        line, column = _first_content(text)
        message = f"must be a mapping of scenario fields such as 'doctors:' (got {_kind(tree)})"
        raise _error(Problem(filename, line, column, "scenario", message))
    size = _expanded_size(tree, {})
    if size > MAX_VALUES:
        message = (f"the file expands to more than {MAX_VALUES:,} values through YAML aliases "
                   "(*name); a scenario is far smaller")  # fmt: skip
        raise _error(Problem(filename, 1, 1, "yaml", message))
    return tree


#: More values than any real scenario holds; aliases (*a) can multiply a small file past it.
MAX_VALUES = 200_000


def _expanded_size(node: Any, sizes: dict[int, int]) -> int:
    """How many values the tree holds once aliases are expanded, counted without expanding
    them: a shared node's size is remembered (an alias bomb costs its file size, not 10^9)."""
    if not isinstance(node, dict | list):
        return 1
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_VALUES + 1  # a node that contains itself counts as too big
    children = node.values() if isinstance(node, dict) else node
    total = 1
    for child in children:
        total += _expanded_size(child, sizes)
        if total > MAX_VALUES:
            break
    sizes[id(node)] = total
    return total


def plain(node: Any) -> Any:
    """The tree as builtins (dict, list, str, int, float, bool), without ruamel's subclasses."""
    if isinstance(node, dict):
        return {_plain_key(key): plain(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [plain(item) for item in node]
    if isinstance(node, bool):
        return bool(node)
    for kind in (str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return node


def _plain_key(key: Any) -> Any:
    """A mapping key as a builtin; a complex key (``? [a, b]``) becomes its text."""
    key = plain(key)
    return str(key) if isinstance(key, list | dict) else key


def _error(*problems: str) -> ScenarioError:
    return ScenarioError(list(problems))


def _nothing_in(text: str) -> str:
    rows = [row.strip() for row in text.splitlines() if row.strip()]
    if not rows:
        what = "the file is empty"
    elif all(row.startswith("#") for row in rows):
        what = "the file is only comments"
    else:
        what = "the file holds no scenario (only null)"
    return f"{what}; a scenario needs at least a list of doctors"


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def _first_content(text: str) -> tuple[int, int]:
    for number, row in enumerate(text.splitlines(), start=1):
        stripped = row.strip()
        if stripped and not stripped.startswith(("#", "%", "---")):
            return number, len(row) - len(row.lstrip()) + 1
    return 1, 1


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value if len(value) <= 30 else value[:27] + '...'!r}"
    return f"a {type(value).__name__}"
