"""The command line's shared behaviour: exit codes, one-line errors, --json, python -m."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator

import pytest

from opd_sim.cli.app import COMMANDS, build_parser, main
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


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The (sub)commands a parser dispatches to, by name, in order."""
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found[0].choices) if found else {}


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser under ``parser`` (itself included) with its command path."""
    yield path, parser
    for name, sub in _commands(parser).items():
        yield from _parsers(sub, (*path, name))


def test_the_full_parser_has_every_command_in_order() -> None:
    """COMMANDS names every command in the order `opd-sim --help` lists them."""
    assert list(_commands(build_parser())) == list(COMMANDS)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_line_builds_its_own_command_only_and_the_same(command: str) -> None:
    """`opd-sim COMMAND ...` builds the parsers of COMMAND only (`token book` starts without
    building the simulator's), each with the same usage and help as in the full parser."""
    full = dict(_parsers(build_parser()))
    narrow = dict(_parsers(build_parser([command, "--json"])))
    siblings = {name for name, target in COMMANDS.items() if target == COMMANDS[command]}
    assert command in _commands(narrow[()]) and set(_commands(narrow[()])) <= siblings
    for path, parser in narrow.items():
        if path:
            assert parser.format_help() == full[path].format_help(), path
            assert parser.format_usage() == full[path].format_usage(), path
    assert [p for p in full if p[:1] == (command,)] == [p for p in narrow if p[:1] == (command,)]


@pytest.mark.parametrize(
    "argv", [[], ["--version", "token"], ["tokens", "book"], ["--", "token"]], ids=str
)
def test_a_command_line_not_starting_with_a_command_gets_every_command(argv: list[str]) -> None:
    """No command, an option first or a typo: the parser lists every command (for the usage and
    the "invalid choice" error)."""
    assert list(_commands(build_parser(argv))) == list(COMMANDS)
