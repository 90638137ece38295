"""Where replications run: in this process, in local worker processes, or on a Dask cluster.

Every choice is a ``concurrent.futures.Executor``; the experiment code only calls ``submit``
and reads results in submission order, so results never depend on which executor ran them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from opd_sim.errors import InvalidInput
from opd_sim.forking import can_fork

__all__ = ["DASK_CONNECT_TIMEOUT_SECONDS", "SerialExecutor", "open_executor"]

#: How long ``--dask`` waits for the scheduler before giving up (exit 2). A scheduler that is
#: up answers within milliseconds, even across a network; waiting longer only delays the error.
DASK_CONNECT_TIMEOUT_SECONDS = 3


class SerialExecutor(Executor):
    """Runs each task at once in the calling process (the default: no start-up cost)."""

    #: Tasks run inside ``submit``: callers that report progress run them lazily instead.
    runs_inline = True

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future, as pools do
            future.set_exception(error)
        return future


@contextmanager
def open_executor(
    workers: int = 1, dask_address: str | None = None, tasks: int | None = None
) -> Iterator[Executor]:
    """An executor for the duration of a ``with`` block.

    ``dask_address`` (e.g. ``tcp://127.0.0.1:8786``) sends work to that Dask scheduler, given up
    on after :data:`DASK_CONNECT_TIMEOUT_SECONDS`; otherwise ``workers`` > 1 starts local
    processes, and 1 runs in this process. Never more processes than CPUs or than ``tasks``:
    extra ones only cost memory.
    """
    if dask_address:
        try:
            from dask.distributed import Client
        except ImportError:
            raise InvalidInput(
                "--dask needs dask.distributed: pip install 'opd-sim[dask]'"
            ) from None
        try:
            client = Client(dask_address, timeout=DASK_CONNECT_TIMEOUT_SECONDS)
        except (OSError, ValueError, TimeoutError) as error:  # unreachable, or not an address
            raise InvalidInput(
                f"cannot reach the Dask scheduler at {dask_address}: {error}"
            ) from None
        try:
            yield client.get_executor()
        finally:
            client.close()
    elif workers > 1:
        processes = min(workers, os.cpu_count() or 1, tasks or workers)
        if processes <= 1:
            yield SerialExecutor()
            return
        # forked workers start with every module this process has loaded (numpy, pandas, SimPy,
        # the simulator): spawned ones, and Python 3.14's default forkserver, import them again
        context = multiprocessing.get_context("fork") if can_fork() else None
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            yield pool
    elif workers == 1:
        yield SerialExecutor()
    else:
        raise InvalidInput(f"workers must be 1 or more, not {workers}")
