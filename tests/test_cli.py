"""The command line: every command has help text with an example and is in the README; `python -m kg` works."""

from __future__ import annotations

import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from kg import __version__
from kg.cli import COMMAND_MODULES, main
from tests.build_fixtures import ROOT

COMMANDS = sorted(COMMAND_MODULES)


def _command(name: str) -> click.Command:
    command = main.get_command(click.Context(main), name)
    assert command is not None, name
    return command


def test_the_commands_are_there() -> None:
    assert {"build", "export"} <= set(COMMANDS)
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s", result.stdout, re.M), name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.stdout, f"`kg {name} --help` has no example"
    example = result.stdout.split("Example:", 1)[1]
    assert f"kg {name}" in example, f"`kg {name} --help`: the example does not show the command"
    assert len(_command(name).get_short_help_str(limit=200)) > 20


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`kg {name}\b", readme) or f"$ kg {name}" in readme, f"README.md does not mention kg {name}"


def test_python_dash_m_kg_and_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "kg", "--version"], capture_output=True, text=True, cwd=ROOT,
                          check=False, timeout=120)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["frobnicate"])
    assert result.exit_code == 2 and "No such command" in result.stderr
