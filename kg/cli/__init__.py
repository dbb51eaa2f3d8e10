"""The `kg` command line: each subcommand lives in its own module and only parses, calls and prints."""

from __future__ import annotations

import importlib
import sys

import click

from kg import __version__
from kg.errors import KgError

# One module per subcommand, named as the command; each defines a click command named ``command``.
COMMAND_MODULES: tuple[str, ...] = (
    "build", "push", "viz", "cite", "validate", "query", "serve", "extract", "eval", "export",
)

EPILOG = """Exit codes: 0 success; 1 error in input, build or query (one-line message on stderr);
2 usage error or a check that could not run. `kg COMMAND --help` shows an example for each command."""


class KgGroup(click.Group):
    """Loads a subcommand's module only when that command runs (so `kg query` never imports spaCy),
    and turns KgError into a one-line message and its exit code, instead of a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMAND_MODULES:
            return None
        command = importlib.import_module(f"kg.cli.{cmd_name}").command
        assert isinstance(command, click.Command) and command.name == cmd_name
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KgError as err:
            click.echo(f"kg: error: {err}", err=True)
            sys.exit(err.exit_code)


@click.group(cls=KgGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """policy-kg: turn news articles and policy reports into a knowledge graph you can query, explore and cite."""


__all__ = ["COMMAND_MODULES", "main"]
