"""A run's report.html: one self-contained page answering an analyst's questions, written with
the run beside its figures as PNG files, and rebuilt by `opd-sim report DIR`."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest

from opd_sim.analysis import format_count, format_mean
from opd_sim.cli.app import main
from opd_sim.reporting import PLOTS, REPORT_FILES
from opd_sim.reporting.html import SECTIONS
from opd_sim.run_output import write_run
from opd_sim.simulation import manifest
from tests.cli import run_cli
from tests.reporting.conftest import parsed
from tests.simulation.conftest import shipped_run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_PNG = "data:image/png;base64,"


def test_run_writes_the_report_and_every_figure_as_png(day_run: Path) -> None:
    """Each listed figure is a real PNG beside report.html, and report.html is all it lists."""
    assert {"report.html", *PLOTS} == REPORT_FILES
    for name in PLOTS:
        data = (day_run / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000, name


def test_report_refers_to_no_other_file(day_run: Path, mm1_run: Path) -> None:
    """Every src is a data: URI, every href an anchor of the page; no style, script or frame
    comes from elsewhere."""
    for run in (day_run, mm1_run):
        page = parsed(run)
        ids = {attrs.get("id") for _, attrs in page.tags}
        for tag, attrs in page.tags:
            assert tag not in ("link", "script", "iframe", "object", "embed"), tag
            for name in ("src", "href", "srcset", "poster", "action", "data"):
                value = attrs.get(name)
                if value is None:
                    continue
                if name == "href":
                    assert value.startswith("#") and value[1:] in ids, value
                else:
                    assert name == "src" and value.startswith(DATA_PNG), (name, value[:40])
        assert "url(" not in (run / "report.html").read_text(encoding="utf-8")


def test_embedded_figures_are_the_png_files(day_run: Path) -> None:
    """Each figure on the page is one of the PNG files, byte for byte, and none is shown twice."""
    files = {(day_run / name).read_bytes(): name for name in PLOTS}
    shown = [base64.b64decode(attrs["src"][len(DATA_PNG):])
             for tag, attrs in parsed(day_run).tags if tag == "img"]  # fmt: skip
    assert all(png in files for png in shown) and len(set(shown)) == len(shown)
    assert len(shown) == len(PLOTS)  # the original day has something to draw in every figure


def test_sections_come_in_the_order_an_analyst_reads(day_run: Path) -> None:
    """Summary first, provenance last, every section listed in the contents."""
    page = parsed(day_run)
    assert page.headings == list(SECTIONS)
    anchors = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert anchors == [f"#s{i}" for i in range(1, len(SECTIONS) + 1)]


def test_headline_says_what_was_run(day_run: Path) -> None:
    """Title and lead name scenario, policy, days, replications and seed."""
    summary = json.loads((day_run / "summary.json").read_text())
    text = " ".join(parsed(day_run).text)
    assert f"OPD run: {summary['scenario']}" in text
    assert f"policy {summary['policy']} · 1 day · 2 replications · seed {summary['seed']}" in text
    assert "Per replication, on average," in text and "mean over the 2 replications" in text


def test_headline_table_gives_means_with_intervals(day_run: Path) -> None:
    """The table by source shows the summary's means, each with its 95 % interval below it,
    as analysis.format_mean and format_count write them."""
    summary = json.loads((day_run / "summary.json").read_text())
    table = parsed(day_run).tables[0]
    assert table[0] == ["source", "tokens", "seen", "mean wait (min)", "p90 wait (min)",
                        "mean delay (min)", "p90 delay (min)", "bumps", "expired"]  # fmt: skip
    rows = {row[0]: row for row in table[1:]}
    assert list(rows) == ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN", "all"]
    ci = summary["ci95"]
    assert rows["all"][1] == format_count(summary["tokens_booked"], ci["tokens_booked"])
    assert rows["all"][2] == format_count(summary["completed"], ci["completed"])
    wait = summary["waits"]["overall"]
    assert rows["all"][3] == format_mean(wait["mean"], ci["waits"]["overall"]["mean"])
    delay, delay_ci = summary["delays"]["by_source"]["ONLINE"], ci["delays"]["by_source"]["ONLINE"]
    assert rows["ONLINE"][6] == format_mean(delay["p90"], delay_ci["p90"])
    assert rows["all"][8] == format_count(summary["expired"], ci["expired"])
    assert rows["FOLLOWUP"][3] == "-"  # nobody to measure: a dash, not an empty interval


def test_numbers_are_written_for_people(day_run: Path, mm1_run: Path) -> None:
    """No dotted summary key, no raw JSON, no float with a tail of digits anywhere on the page."""
    for run in (day_run, mm1_run):
        scenario = json.loads((run / "summary.json").read_text())["scenario"]
        text = " ".join(parsed(run).text).replace(scenario, "SCENARIO")
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", text)  # tokens_booked, wait_minutes
        assert not re.search(r"\b[a-z]+\.[a-z_]+\.[A-Za-z_]+\b", text)  # waits.by_source.PAID
        assert not re.search(r"\d\.\d{3,}", text), re.search(r".{20}\d\.\d{3,}.{20}", text)
        assert "{" not in text and "null" not in text and "nan" not in text.lower().split()


def test_a_run_with_nothing_to_draw_says_so_in_words(mm1_run: Path) -> None:
    """M/M/1 has no seat limit, bump or waitlist: those sections are a sentence, not a plot."""
    summary = json.loads((mm1_run / "summary.json").read_text())
    counted = f"they describe {summary['waits']['overall']['n']} of the {summary['completed']} "
    page = parsed(mm1_run)
    text = " ".join(page.text)
    for words in ("No doctor has a seat limit", "No token was bumped.",
                  "No token was put on a waitlist.", "nothing to share out", counted):  # fmt: skip
        assert words in text
    shown = [attrs["alt"] for tag, attrs in page.tags if tag == "img"]
    assert shown == [PLOTS[name] for name in ("status_by_source.png", "waits_by_source.png",
                                              "waits_by_hour.png", "doctor_time.png")]
    assert "Per replication" not in text and "per replication" not in text


EMPTY_DAY = """\
name: empty_day
days: 1
sessions: [{open: "09:00", close: "12:00"}]
slot_minutes: 30
doctors: [{id: dr-a, name: Dr A, seats_per_slot: 2,
           consult_minutes: {dist: exponential, mean: 6}}]
demand: {}
"""


def test_a_run_without_a_single_token_is_reported_in_words(tmp_path: Path) -> None:
    """No demand at all: every section still there, saying there is nothing to show, and the
    one figure left is the slot fill (every slot empty)."""
    from opd_sim.scenario import load_scenario
    from opd_sim.simulation import multiple_replications

    (tmp_path / "empty.yaml").write_text(EMPTY_DAY)
    result = multiple_replications(load_scenario(tmp_path / "empty.yaml"), 2, seed=1)
    run = write_run(result, tmp_path / "run", manifest(result))
    page = parsed(run)
    text = " ".join(page.text)
    assert page.headings == list(SECTIONS)
    assert "0 tokens were booked" in text and "No patient was seen" in text
    assert "held nobody at any time" in text
    shown = [attrs["alt"] for tag, attrs in page.tags if tag == "img"]
    assert shown == [PLOTS["slot_fill.png"], PLOTS["doctor_time.png"]]


def test_report_command_rebuilds_the_report(day_run: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:  # fmt: skip
    """`opd-sim report DIR` rewrites report.html and its figures from the run's files alone."""
    run = tmp_path / "run"
    shutil.copytree(day_run, run)
    before = (run / "report.html").read_text()
    (run / "report.html").unlink()
    (run / "slot_fill.png").unlink()
    assert main(["report", str(run), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"report": str(run / "report.html")}
    assert (run / "slot_fill.png").is_file()
    assert (run / "report.html").read_text() == before  # frames read back: the same page


def test_report_of_a_run_without_slots_is_refused(day_run: Path, tmp_path: Path) -> None:
    """A run directory without slots.parquet: exit 2, one line naming it, nothing changed."""
    run = tmp_path / "run"
    shutil.copytree(day_run, run)
    (run / "slots.parquet").unlink()
    result = run_cli("report", str(run))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "missing slots.parquet" in result.err


def test_a_run_replaces_the_plots_earlier_versions_wrote(day_run: Path, tmp_path: Path) -> None:
    """An earlier run directory with decisions_by_kind.png is still a run's: rerunning into it
    is allowed and leaves only today's files."""
    run = tmp_path / "run"
    shutil.copytree(day_run, run)
    (run / "decisions_by_kind.png").write_bytes(PNG_MAGIC)
    result = shipped_run("textbook_mm1")
    write_run(result, run, manifest(result))
    assert sorted(p.name for p in run.iterdir()) == sorted(p.name for p in day_run.iterdir())


def test_report_of_a_directory_that_is_not_a_run(tmp_path: Path) -> None:
    """Not a run directory: exit 2, one line naming what is missing, nothing written."""
    (tmp_path / "summary.json").write_text("{}")
    result = run_cli("report", str(tmp_path))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "missing decisions.parquet" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


@pytest.mark.parametrize(("name", "damage"), [("summary.json", b"{not json"),
                                              ("patients.parquet", b"PAR1 truncated")])  # fmt: skip
def test_report_of_a_damaged_run_names_the_bad_file(day_run, tmp_path, name, damage, capsys):
    """A corrupt summary or Parquet file: exit 2 and one line naming it, not a traceback."""
    broken = tmp_path / "broken"
    shutil.copytree(day_run, broken)
    (broken / name).write_bytes(damage)
    assert main(["report", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{name}: cannot be read" in err


# --------------------------------------------- patients who leave, expiries, late doctors


def _table_headed(page, *heads: str) -> list[list[str]]:
    """The page's one table whose header row starts with ``heads``."""
    found = [t for t in page.tables if t and t[0][:len(heads)] == list(heads)]
    assert len(found) == 1, [t[0] for t in page.tables]
    return found[0]


def _per_replication(function, run: Path, *names: str):
    """An analysis function of each replication's frames (read back from the run), made a
    summary's mean and ci95 by analysis.aggregate, as the report combines replications."""
    import pandas as pd

    from opd_sim.analysis import aggregate
    from opd_sim.jsonable import json_ready

    frames = [pd.read_parquet(run / f"{name}.parquet") for name in names]
    replications = sorted(frames[0]["replication"].unique())
    return aggregate([json_ready(function(*(f[f["replication"] == r] for f in frames)
                                         ).to_dict(orient="index")) for r in replications])


def test_a_plain_day_says_nothing_of_leaving_lateness_or_early_expiry(day_run: Path) -> None:
    """The original day has no patience, lateness or waitlist expiry: no column, table or
    sentence about them (the headline table is pinned above)."""
    page = parsed(day_run)
    text = " ".join(page.text)
    for words in ("left unseen", "left without being seen", "late (min)", "came late",
                  "waited too long", "past the waitlist expiry"):  # fmt: skip
        assert words not in text, words
    fates = _table_headed(page, "source", "moved to a later slot, seen")
    assert "waitlisted, expired at day end" in fates[0]
    assert _table_headed(page, "source", "joined")[0] == [
        "source", "joined", "promoted", "expired", "cancelled while waitlisted"]


def test_headline_counts_patients_who_left_and_both_expiries(realistic_run: Path) -> None:
    """The sentence names both kinds of expiry and those who left, as the summary counts
    them; the table by source gains a left-unseen column with intervals."""
    summary = json.loads((realistic_run / "summary.json").read_text())
    page = parsed(realistic_run)
    text = " ".join(page.text)
    expired, too_long = summary["expired"], summary["expired_waiting_too_long"]
    gone = summary["left_unseen"]["n"]
    assert too_long > 0 and expired > too_long and gone > 0  # the run shows every case
    assert (f"{format_count(expired)} expired on a waitlist ({format_count(expired - too_long)} "
            f"when their day ended, {format_count(too_long)} waitlisted past the waitlist "
            f"expiry) and {format_count(gone)} came but left without being seen") in text
    table = page.tables[0]
    assert table[0][-2:] == ["expired", "left unseen"]
    rows = {row[0]: row for row in table[1:]}
    ci = summary["ci95"]["left_unseen"]
    assert rows["all"][-1] == format_count(gone, ci["n"])
    walkin = summary["left_unseen"]["by_source"]["WALKIN"]["n"]
    assert rows["WALKIN"][-1] == format_count(walkin, ci["by_source"]["WALKIN"]["n"])


def test_who_left_unseen_by_source_with_intervals(realistic_run: Path) -> None:
    """Under Waits and delays: by source, who came, who left, the share who left and the
    minutes waited before leaving, each a mean over replications with its interval, as
    analysis.left_unseen gives them replication by replication; the summary's rate besides."""
    from opd_sim.analysis import left_unseen

    summary = json.loads((realistic_run / "summary.json").read_text())
    page = parsed(realistic_run)
    table = _table_headed(page, "source", "came per replication")
    assert table[0][2:] == ["left unseen", "share who left (%)",
                            "mean wait before leaving (min)", "median (min)", "p90 (min)"]
    means = _per_replication(left_unseen, realistic_run, "patients")
    rows = {row[0]: row for row in table[1:]}
    assert list(rows) == ["EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN", "all"]
    walkin, ci = means["WALKIN"], means["ci95"]["WALKIN"]
    assert rows["WALKIN"][1] == format_count(walkin["came"], ci["came"])
    rate = [100 * v for v in ci["rate"]]
    assert rows["WALKIN"][3] == format_mean(100 * walkin["rate"], rate)
    assert rows["WALKIN"][5] == format_mean(walkin["waited_p50_minutes"],
                                            ci["waited_p50_minutes"])  # fmt: skip
    overall = summary["left_unseen"]["rate"]
    assert rows["all"][3].split(" [")[0] == f"{100 * overall:.1f}"
    assert "The waits above are of patients seen" in " ".join(page.text)


def test_doctors_lateness_beside_overtime(realistic_run: Path) -> None:
    """The doctors' table has a late column before overtime: the summary's late minutes with
    their intervals; a sentence names the total and the latest doctor."""
    summary = json.loads((realistic_run / "summary.json").read_text())
    page = parsed(realistic_run)
    table = _table_headed(page, "doctor", "patients seen per replication")
    assert table[0][4:7] == ["idle in sessions (min)", "late (min)", "overtime (min)"]
    late = {d: row["late_minutes"] for d, row in summary["by_doctor"].items()}
    ci = summary["ci95"]["by_doctor"]
    for row in table[1:]:
        assert row[5] == format_mean(late[row[0]], ci[row[0]]["late_minutes"])
    most = max(late, key=late.__getitem__)
    assert (f"Doctors came late to their sessions by {format_mean(sum(late.values()))} "
            f"minutes between them per replication; {most} most") in " ".join(page.text)


def test_waitlist_and_bumps_tell_the_two_expiries_and_leaving_apart(realistic_run: Path) -> None:
    """The waitlist table splits expiries by kind and counts those who left from the
    waitlist, per replication, as analysis.waitlist_outcomes does; the bumped tokens' fates
    show the fates that happened."""
    import pandas as pd

    from opd_sim.analysis import waitlist_outcomes

    page = parsed(realistic_run)
    table = _table_headed(page, "source", "joined")
    assert table[0] == ["source", "joined", "promoted", "expired at day end",
                        "expired, waited too long", "cancelled while waitlisted",
                        "left unseen while waitlisted"]  # fmt: skip
    outcomes = waitlist_outcomes(pd.read_parquet(realistic_run / "decisions.parquet")) / 2
    rows = {row[0]: row for row in table[1:]}
    online = outcomes.loc["ONLINE"]
    assert rows["ONLINE"][2:] == [format_mean(online["promoted"]),
                                  format_mean(online["expired"]
                                              - online["expired_waiting_too_long"]),
                                  format_mean(online["expired_waiting_too_long"]),
                                  format_mean(online["cancelled_while_waitlisted"]),
                                  format_mean(online["left_unseen_while_waitlisted"])]
    fates = _table_headed(page, "source", "moved to a later slot, seen")
    assert "waitlisted, expired, waited too long" in fates[0]


def test_fairness_compares_each_sources_rate_of_leaving(realistic_run: Path) -> None:
    """A table of left-unseen shares, rates and rate ratios by source (pooled, as
    analysis.source_shares gives them), and a sentence naming the source that left most
    often against everyone."""
    import pandas as pd

    from opd_sim.analysis import source_shares

    shares = source_shares(pd.read_parquet(realistic_run / "patients.parquet"))
    page = parsed(realistic_run)
    table = _table_headed(page, "source", "left unseen per replication")
    rows = {row[0]: row for row in table[1:]}
    walkin = shares.loc["WALKIN"]
    assert rows["WALKIN"][3:] == [f"{100 * walkin['left_unseen_rate']:.1f} %",
                                  f"{walkin['left_unseen_ratio']:.2f}"]
    worst = shares["left_unseen_ratio"].idxmax()
    assert worst == "WALKIN"
    assert (f"Walk-ins left unseen {shares.at[worst, 'left_unseen_ratio']:.2f} times as often "
            "as patients overall") in " ".join(page.text)


def test_a_realistic_report_is_written_for_people(realistic_run: Path) -> None:
    """Every section, every figure, no raw key or long float on the page."""
    page = parsed(realistic_run)
    assert page.headings == list(SECTIONS)
    text = " ".join(page.text).replace("district_hospital", "SCENARIO")
    text = text.replace("(max_bumps=1)", "")  # the policy's own parameter, as it is written
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text)
    assert not re.search(r"\d\.\d{3,}", text), re.search(r".{20}\d\.\d{3,}.{20}", text)
    assert "{" not in text and "nan" not in text.lower().split()
    assert len([attrs for tag, attrs in page.tags if tag == "img"]) == len(PLOTS)
