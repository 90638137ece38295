"""How fast does a booking start? ``opd-sim token book`` against ``python -c "import sqlite3"``.

Both run as real subprocesses, interleaved in the same run so machine noise hits them alike, on a
temporary store (one doctor, one slot). Prints each median wall time and their ratio; the target
is a median per-run ratio of at most 2 with cached bytecode (issue 11). Run with the project's
interpreter::

    python benchmarks/bench_desk_startup.py [--runs 40] [--bytecode cached|uncached|both]
                                            [--max-ratio 2]

Both commands import opd_sim from a copy of the package in a temporary directory (put first on
``PYTHONPATH``), so the bytecode is under the benchmark's control whatever the checkout holds
and whatever ``PYTHONDONTWRITEBYTECODE`` says: ``cached`` compiles the copy first (what an
installed package has), ``uncached`` leaves it without bytecode and forbids writing any, so
every run compiles opd_sim from source (what a checkout run with ``PYTHONDONTWRITEBYTECODE=1``
does). The standard library keeps its own bytecode either way.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OPD_SIM = str(Path(sys.executable).with_name("opd-sim"))
PACKAGE = Path(__file__).resolve().parents[1] / "opd_sim"
TARGET = 2.0


def wall_seconds(argv: list[str], env: dict[str, str], cwd: str) -> float:
    """Wall time of one run of ``argv``, which must succeed."""
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=cwd)
    return time.perf_counter() - started


def measure(runs: int, cached: bool) -> float:
    """Time ``runs`` interleaved pairs; print the medians; return the median per-run ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(PACKAGE, Path(tmp) / "opd_sim",
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        if cached:
            compileall.compile_dir(Path(tmp) / "opd_sim", quiet=1)
        path = [tmp, os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [tmp]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": os.pathsep.join(path)}
        env.pop("OPD_SIM_DB", None)
        where = subprocess.run(
            [sys.executable, "-c", "import opd_sim; print(opd_sim.__file__)"],
            env=env, cwd=tmp, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        assert where.startswith(tmp), f"opd_sim imported from {where.strip()}, not the copy"
        db = str(Path(tmp) / "bench.db")
        subprocess.run([OPD_SIM, "doctor", "add", "--name", "Dr Rao", "--db", db], check=True,
                       stdout=subprocess.DEVNULL, env=env, cwd=tmp)  # fmt: skip
        subprocess.run(
            [OPD_SIM, "slot", "add", "--doctor", "1", "--start", "2026-11-24T09:00",
             "--end", "2026-11-24T12:00", "--capacity", "30", "--db", db],
            check=True, stdout=subprocess.DEVNULL, env=env, cwd=tmp,
        )  # fmt: skip
        baseline = [sys.executable, "-c", "import sqlite3"]
        sources = ["WALKIN", "ONLINE", "FOLLOWUP", "PAID"]
        times: dict[str, list[float]] = {"sqlite3": [], "book": []}
        for n in range(-3, runs):  # three warm-up rounds, not counted
            book = [OPD_SIM, "token", "book", "--slot", "1", "--source", sources[n % 4],
                    "--patient", f"P{n}", "--db", db]  # fmt: skip
            base, booked = wall_seconds(baseline, env, tmp), wall_seconds(book, env, tmp)
            if n >= 0:
                times["sqlite3"].append(base)
                times["book"].append(booked)
    base_ms = statistics.median(times["sqlite3"]) * 1000
    book_ms = statistics.median(times["book"]) * 1000
    ratio = statistics.median(b / s for b, s in zip(times["book"], times["sqlite3"], strict=True))
    label = "cached bytecode" if cached else "no cached bytecode of opd_sim"
    print(f"{label}, {runs} interleaved runs of each:")
    print(f'  python -c "import sqlite3": median {base_ms:7.1f} ms')
    print(f"  opd-sim token book:         median {book_ms:7.1f} ms")
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"  RATIO {ratio:.2f} (median of per-run ratios; ratio of medians "
          f"{book_ms / base_ms:.2f}): {verdict} the target <= {TARGET}"
          + ("" if cached else ", which is set for cached bytecode"))  # fmt: skip
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each (default 40)")
    parser.add_argument(
        "--bytecode", choices=["cached", "uncached", "both"], default="both",
        help="time with opd_sim's bytecode cached, without it, or both (default)",
    )  # fmt: skip
    parser.add_argument(
        "--max-ratio", type=float, help="exit 1 if the ratio with cached bytecode is above"
    )
    args = parser.parse_args()
    ratio = None
    if args.bytecode in ("cached", "both"):
        ratio = measure(args.runs, cached=True)
    if args.bytecode in ("uncached", "both"):
        measure(args.runs, cached=False)
    if args.max_ratio is not None and ratio is not None and ratio > args.max_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
