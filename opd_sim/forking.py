"""Helper processes forked from this one, for work on data this process already holds.

``opd-sim run --workers N`` writes a run's files with helpers: after the simulation this process
holds the frames (tens of MB for a week of a big OPD) and has matplotlib loaded; helpers forked
then start with both, where spawned ones would first import matplotlib and unpickle the frames.
A task sent to a helper is a module-level function; it reads the data with :func:`inherited`.
:class:`Awaited` reads the results, and runs here the tasks no helper has begun yet.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["Awaited", "can_fork", "forked_helpers", "inherited"]

T = TypeVar("T")

# What the helpers work on: set by forked_helpers() before it forks them, so that they inherit
# it instead of receiving a pickled copy.
_INHERITED: Any = None


def inherited() -> Any:
    """The data :func:`forked_helpers` was given: in a helper it forked, and in this process
    while the helpers live (so that it can run their tasks itself)."""
    if _INHERITED is None:  # only a process forked by forked_helpers() is handed such a task
        raise RuntimeError("this process was not forked by forked_helpers()")
    return _INHERITED


def can_fork() -> bool:
    """Whether helpers can be forked here: macOS offers fork, but its system libraries are not
    safe to use in a forked child."""
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


@contextmanager
def forked_helpers(workers: int, data: Any) -> Iterator[Executor | None]:
    """An executor of ``workers`` processes forked from this one, for the ``with`` block; its
    tasks see ``data`` through :func:`inherited`. None where helpers cannot pay: ``workers`` 1
    (as with ``open_executor``, 1 means none: work here), a single CPU, or no fork.

    Leaving the block waits for the tasks begun; after an error in the block, tasks not begun
    are dropped rather than run for nothing.
    """
    global _INHERITED
    helpers = min(workers, os.cpu_count() or 1)
    if helpers < 2 or not can_fork():
        yield None
        return
    _INHERITED = data
    pool = ProcessPoolExecutor(helpers, mp_context=multiprocessing.get_context("fork"))
    # the objects this process holds now are left out of the helpers' garbage collections,
    # which would otherwise write to every one of them and so copy the pages fork shares
    gc.freeze()
    try:
        # with fork, the first submit starts every helper, so all of them inherit _INHERITED
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()
        _INHERITED = None


class Awaited(Mapping[str, T]):
    """Results being computed by helpers, by name: reading one waits for that one only.

    ``here(name)``, if given, computes a result in this process: reading one whose task no
    helper has begun yet runs it here instead of waiting, so that this process, once it has
    nothing else to do, works through the queue with the helpers rather than idle.
    """

    def __init__(self, futures: Mapping[str, Future[T]],
                 here: Callable[[str], T] | None = None) -> None:  # fmt: skip
        self._futures = dict(futures)
        self._here = here

    def __getitem__(self, name: str) -> T:
        future = self._futures[name]
        if self._here is not None and future.cancel():  # not begun: no helper will begin it
            future = Future()
            future.set_result(self._here(name))
            self._futures[name] = future
        return future.result()

    def __iter__(self) -> Iterator[str]:
        return iter(self._futures)

    def __len__(self) -> int:
        return len(self._futures)
