"""The `kg` command line: each subcommand lives in its own module and only parses, calls and prints."""

from __future__ import annotations

import importlib
import sys

import click

from kg import __version__
from kg.errors import KgError

# One module per subcommand; each defines a click command named ``command``.
COMMAND_MODULES: tuple[str, ...] = (
    "build", "push", "viz", "cite", "validate", "query", "serve", "extract", "eval", "export",
)

EPILOG = """Exit codes: 0 success; 1 error in input, build or query (one-line message on stderr);
2 usage error or a check that could not run. `kg COMMAND --help` shows an example for each command."""


class KgGroup(click.Group):
    """Turns KgError into a one-line message and its exit code, instead of a traceback."""

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


for _name in COMMAND_MODULES:
    _module = importlib.import_module(f"kg.cli.{_name}")
    main.add_command(_module.command)

__all__ = ["main"]
