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


def test_no_command_prints_help_and_one_error_line(capsys) -> None:
    """Bare `opd-sim` shows the help on stdout and one error line on stderr, exit 2."""
    assert main([]) == 2
    captured = capsys.readouterr()
    assert "COMMAND" in captured.out and captured.err.count("\n") == 1
