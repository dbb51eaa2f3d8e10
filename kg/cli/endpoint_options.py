"""The options `kg query` and `kg cite` share for a build on a SPARQL server (not a command of its own)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from kg.errors import InputError
from kg.sparql_endpoint import DEFAULT_TIMEOUT, MODES

F = TypeVar("F", bound=Callable[..., object])

ENDPOINT_HELP = ("Query a build pushed to a SPARQL 1.1 server (`kg push`) at this query URL instead of --build, "
                 "e.g. http://127.0.0.1:7878/query (Oxigraph), http://HOST:3030/DATASET/sparql (Fuseki), "
                 "http://HOST:7200/repositories/REPO (GraphDB), http://HOST:8890/sparql (Virtuoso).")


def endpoint_options(command: F) -> F:
    """Add --endpoint, --user, --timeout and --default-graph to a command."""
    options = [
        click.option("--endpoint", default=None, metavar="URL", help=ENDPOINT_HELP),
        click.option("--user", default=None, metavar="USER:PASSWORD", envvar="KG_ENDPOINT_USER",
                     help="Credentials for --endpoint (HTTP basic, or digest when the server asks for it); "
                          "the KG_ENDPOINT_USER variable keeps them out of the command line."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
                     help="Seconds to wait for --endpoint to answer."),
        click.option("--default-graph", "default_graph", type=click.Choice(MODES), default="auto",
                     show_default=True,
                     help="How queries reach the union of the build's graphs on --endpoint: auto asks the server; "
                          "union trusts its default graph to be that union; list names the build's graphs in "
                          "every request (any server, slower with many documents)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def parse_user(user: str | None) -> tuple[str, str] | None:
    if user is None or user == "":
        return None
    name, sep, password = user.partition(":")
    if not sep or not name:
        raise InputError("--user: write USER:PASSWORD (or set KG_ENDPOINT_USER=USER:PASSWORD)")
    return name, password


__all__ = ["ENDPOINT_HELP", "endpoint_options", "parse_user"]
