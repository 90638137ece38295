"""How fast does a booking start? ``opd-sim token book`` against ``python -c "import sqlite3"``.

Both run as real subprocesses, interleaved in the same run so machine noise hits them alike, on a
temporary store (one doctor, one slot). Prints each median wall time and their ratio; the target
is a median ratio of at most 3. Run with the project's interpreter::

    python benchmarks/bench_desk_startup.py [--runs 40] [--max-ratio 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OPD_SIM = str(Path(sys.executable).with_name("opd-sim"))


def wall_seconds(argv: list[str]) -> float:
    """Wall time of one run of ``argv``, which must succeed."""
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40, help="timed runs of each (default 40)")
    parser.add_argument("--max-ratio", type=float, help="exit 1 if the median ratio is above")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        subprocess.run([OPD_SIM, "doctor", "add", "--name", "Dr Rao", "--db", db], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run(
            [OPD_SIM, "slot", "add", "--doctor", "1", "--start", "2026-11-24T09:00",
             "--end", "2026-11-24T12:00", "--capacity", "30", "--db", db],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        baseline = [sys.executable, "-c", "import sqlite3"]
        sources = ["WALKIN", "ONLINE", "FOLLOWUP", "PAID"]
        times: dict[str, list[float]] = {"sqlite3": [], "book": []}
        for n in range(-3, args.runs):  # three warm-up rounds, not counted
            book = [OPD_SIM, "token", "book", "--slot", "1", "--source", sources[n % 4],
                    "--patient", f"P{n}", "--db", db]  # fmt: skip
            base, booked = wall_seconds(baseline), wall_seconds(book)
            if n >= 0:
                times["sqlite3"].append(base)
                times["book"].append(booked)
    base_ms = statistics.median(times["sqlite3"]) * 1000
    book_ms = statistics.median(times["book"]) * 1000
    ratios = [b / s for b, s in zip(times["book"], times["sqlite3"], strict=True)]
    ratio = statistics.median(ratios)
    print(f'python -c "import sqlite3": median {base_ms:7.1f} ms over {args.runs} runs')
    print(f"opd-sim token book:         median {book_ms:7.1f} ms over {args.runs} runs")
    print(f"ratio: median of per-run ratios {ratio:.2f}; ratio of medians {book_ms / base_ms:.2f}"
          " (target <= 3)")  # fmt: skip
    if args.max_ratio is not None and ratio > args.max_ratio:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
