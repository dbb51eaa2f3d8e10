"""`kg push`: load the built graph into a SPARQL 1.1 Graph Store HTTP Protocol server."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.push import push


@click.command("push")
@click.option("--endpoint", required=True, help="Graph Store endpoint URL (e.g. http://127.0.0.1:7878/store).")
@click.option("--query-endpoint", default=None, help="SPARQL query URL of the same server, to find stale graphs.")
@click.option("--build", "build", type=click.Path(path_type=Path), default=Path("build"), show_default=True)
@click.option("--force", is_flag=True, help="Replace every graph, even those unchanged since the last push.")
@click.option("--user", default=None, help="HTTP basic auth as USER:PASSWORD.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary as the last line.")
def command(endpoint: str, query_endpoint: str | None, build: Path, force: bool, user: str | None,
            as_json: bool) -> None:
    """Push the build's named graphs to any SPARQL server (Oxigraph, Fuseki, GraphDB, Virtuoso).

    Each document's graph is replaced when it changed and deleted when its document is gone.

    Example:

        kg push --endpoint http://127.0.0.1:7878/store --query-endpoint http://127.0.0.1:7878/query
    """
    auth = tuple(user.split(":", 1)) if user and ":" in user else None
    result = push(build, endpoint, query_endpoint=query_endpoint, force=force,
                  auth=auth if auth is None else (auth[0], auth[1]))
    click.echo(f"{endpoint}: {len(result.replaced)} graphs replaced, {result.unchanged} unchanged, "
               f"{len(result.deleted)} deleted")
    if as_json:
        click.echo(json.dumps({"replaced": len(result.replaced), "unchanged": result.unchanged,
                               "deleted": len(result.deleted)}, sort_keys=True))
