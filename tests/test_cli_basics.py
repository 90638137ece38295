"""The command line's shared behaviour: exit codes, one-line errors, --json, python -m."""

from __future__ import annotations

import json
import subprocess
import sys
import sys as _sys
from pathlib import Path as _Path

from opd_sim.cli.app import main

OPD_SIM_SCRIPT = str(_Path(_sys.executable).with_name("opd-sim"))


def test_policies_lists_every_registered_policy_as_json(capsys) -> None:
    """`opd-sim policies --json` lists names, parameters and descriptions."""
    assert main(["policies", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["name"] for row in rows} >= {"priority-bump", "fifo"}
    assert all(row["description"] for row in rows)


def test_usage_errors_are_one_line_and_exit_2(capsys) -> None:
    """An unknown command or option gives exit 2 and one line on stderr, no usage dump."""
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("opd-sim: error:")
    assert main(["policies", "--bogus"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_installed_console_script_and_python_m_agree() -> None:
    """`opd-sim` and `python -m opd_sim` are the same program."""
    script = subprocess.run([OPD_SIM_SCRIPT, "--version"], capture_output=True, text=True)
    module = subprocess.run([sys.executable, "-m", "opd_sim", "--version"], capture_output=True,
                            text=True)  # fmt: skip
    assert script.returncode == module.returncode == 0
    assert script.stdout == module.stdout and script.stdout.startswith("opd-sim ")


def test_no_command_is_usage_on_stderr_and_exit_2() -> None:
    """Bare `opd-sim` (a real process): nothing on stdout; the usage and one error line on
    stderr; exit 2, as argparse and git do."""
    done = subprocess.run([OPD_SIM_SCRIPT], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0].startswith("usage: opd-sim") and "COMMAND" in lines[0]
    assert lines[-1] == "opd-sim: error: give a command (opd-sim --help lists them)"
    assert sum(line.startswith("opd-sim: error:") for line in lines) == 1


def test_help_is_on_stdout_and_exit_0() -> None:
    """`opd-sim --help` prints the help, commands included, on stdout and exits 0."""
    done = subprocess.run([OPD_SIM_SCRIPT, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("usage: opd-sim") and "compare" in done.stdout
