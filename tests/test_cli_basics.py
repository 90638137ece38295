"""The command line's shared behaviour: exit codes, one-line errors, --json, python -m."""

from __future__ import annotations

import json

from opd_sim.cli.app import main
from tests.cli import run_cli


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
    script = run_cli("--version")
    module = run_cli("--version", module=True)
    assert script.code == module.code == 0
    assert script.out == module.out and script.out.startswith("opd-sim ")


def test_no_command_is_usage_on_stderr_and_exit_2() -> None:
    """Bare `opd-sim` (a real process): nothing on stdout; the usage and one error line on
    stderr; exit 2, as argparse and git do."""
    done = run_cli()
    assert done.code == 2 and done.out == ""
    lines = done.err.splitlines()
    assert lines[0].startswith("usage: opd-sim") and "COMMAND" in lines[0]
    assert lines[-1] == "opd-sim: error: give a command (opd-sim --help lists them)"
    assert sum(line.startswith("opd-sim: error:") for line in lines) == 1


def test_help_is_on_stdout_and_exit_0() -> None:
    """`opd-sim --help` prints the help, commands included, on stdout and exits 0."""
    done = run_cli("--help")
    assert done.code == 0 and done.err == ""
    assert done.out.startswith("usage: opd-sim") and "compare" in done.out
