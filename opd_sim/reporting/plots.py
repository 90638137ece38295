"""The standard plots of a run, drawn from its decision and patient frames into PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["PLOTS", "write_plots"]

from opd_sim.engine import Source
from opd_sim.simulation.calendar import MINUTES_PER_DAY, UNLIMITED_SEATS

SOURCE_ORDER = [source.name for source in Source]  # in priority order
# file name -> caption, in the order the report shows them
PLOTS = {
    "waits_by_source.png": "Wait from arrival to consultation, by source (patients seen)",
    "waits_by_hour.png": "Mean wait by hour of arrival",
    "status_by_source.png": "How tokens ended, by source",
    "decisions_by_kind.png": "Engine decisions by kind (mean per replication)",
    "slot_fill.png": "Peak seats held per slot, relative to capacity",
}


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(7.5, 4.2), dpi=110)


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _sources(values: Any) -> list[str]:
    present = {str(v) for v in values}
    return [s for s in SOURCE_ORDER if s in present]


def waits_by_source(patients: Any, path: Path) -> Path:
    """Box plot of wait_minutes per source for patients who were seen."""
    fig, ax = _figure()
    seen = patients[patients["wait_minutes"].notna()]
    sources = _sources(seen["source"].unique())
    data = [seen.loc[seen["source"] == s, "wait_minutes"].to_numpy() for s in sources]
    if sources:
        ax.boxplot(data, tick_labels=sources, showmeans=True, whis=(5, 95), showfliers=False)
    else:
        ax.text(0.5, 0.5, "no patient was seen", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("wait (minutes)")
    ax.set_title("Waits by source (whiskers 5-95 %, triangle = mean)")
    return _save(fig, path)


def waits_by_hour(patients: Any, path: Path) -> Path:
    """Mean wait of seen patients by hour of day they arrived, one line per source."""
    fig, ax = _figure()
    seen = patients[patients["wait_minutes"].notna() & patients["arrived_at"].notna()]
    hour = ((seen["arrived_at"] % MINUTES_PER_DAY) // 60).astype(int)
    for source in _sources(seen["source"].unique()):
        mask = seen["source"] == source
        means = seen.loc[mask, "wait_minutes"].groupby(hour[mask]).mean()
        ax.plot(means.index, means.to_numpy(), marker="o", label=source)
    ax.set_xlabel("hour of arrival")
    ax.set_ylabel("mean wait (minutes)")
    if len(seen):
        ax.legend(fontsize="small")
    return _save(fig, path)


def status_by_source(patients: Any, path: Path) -> Path:
    """Stacked bars: share of each final status per source."""
    fig, ax = _figure()
    table = patients.groupby(["source", "status"], observed=True).size().unstack(fill_value=0)
    table = table.reindex(_sources(table.index))
    shares = table.div(table.sum(axis=1), axis=0)
    bottom = None
    for status in shares.columns:
        values = shares[status].to_numpy()
        ax.bar(shares.index, values, bottom=bottom, label=str(status))
        bottom = values if bottom is None else bottom + values
    ax.set_ylabel("share of tokens")
    ax.set_ylim(0, 1.18)  # head-room so the legend sits above the bars
    if len(shares.columns):
        ax.legend(fontsize="small", ncol=3, loc="upper center")
    return _save(fig, path)


def decisions_by_kind(decisions: Any, path: Path) -> Path:
    """Bar chart of how many decisions of each kind a replication makes on average."""
    fig, ax = _figure()
    replications = max(1, decisions["replication"].nunique()) if len(decisions) else 1
    counts = decisions["kind"].astype(str).value_counts().sort_index() / replications
    ax.bar(counts.index, counts.to_numpy())
    ax.set_ylabel("decisions per replication")
    ax.tick_params(axis="x", rotation=30)
    return _save(fig, path)


def slot_fill(decisions: Any, path: Path) -> Path:
    """Histogram of each slot's peak seats held over its capacity (above 1 = overbooked)."""
    fig, ax = _figure()
    limited = decisions[decisions["capacity"] < UNLIMITED_SEATS] if len(decisions) else decisions
    if len(limited):
        peak = limited.groupby(["replication", "slot_id"], observed=True).agg(
            held=("seats_held", "max"), capacity=("capacity", "max")
        )
        ratio = (peak["held"] / peak["capacity"]).to_numpy()
        ax.hist(ratio, bins=20)
        ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    else:  # doctors without a seat limit: there is no capacity to fill
        ax.text(0.5, 0.5, "no slot with a seat limit", ha="center", va="center",
                transform=ax.transAxes)  # fmt: skip
    ax.set_xlabel("peak seats held / capacity")
    ax.set_ylabel("slots")
    return _save(fig, path)


def write_plots(decisions: Any, patients: Any, out_dir: str | Path) -> list[Path]:
    """Draw every plot of :data:`PLOTS` into ``out_dir``; return the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        waits_by_source(patients, out / "waits_by_source.png"),
        waits_by_hour(patients, out / "waits_by_hour.png"),
        status_by_source(patients, out / "status_by_source.png"),
        decisions_by_kind(decisions, out / "decisions_by_kind.png"),
        slot_fill(decisions, out / "slot_fill.png"),
    ]
