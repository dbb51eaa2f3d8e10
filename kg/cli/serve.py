"""`kg serve`: a read-only SPARQL endpoint and query page over the build."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from kg.errors import InputError
from kg.serve import KgServer, ServeConfig, serve


@click.command("serve")
@click.option("--build", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="The build directory (made by `kg build`).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes the graph to your network.")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True,
              help="Port to listen on (0 picks a free one and prints it).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds a query may run; the worker running it is then killed (503).")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Rows (or triples) per answer; past that it is cut and marked X-Truncated: true.")
@click.option("--max-request-bytes", type=click.IntRange(min=1024), default=1_000_000, show_default=True,
              help="Largest request body or URL accepted (413 / 414 beyond).")
@click.option("--cors", is_flag=True, help="Send Access-Control-Allow-Origin: * so pages on other origins can query.")
@click.option("--workers", type=click.IntRange(min=1, max=64), default=max(2, min(4, os.cpu_count() or 2)),
              show_default=True, help="Query worker processes (queries running at once).")
@click.option("--quiet", "-q", is_flag=True, help="Do not log a line per request.")
def command(build: Path, host: str, port: int, timeout: float, max_rows: int, max_request_bytes: int, cors: bool,
            workers: int, quiet: bool) -> None:
    """Serve the graph over the SPARQL 1.1 Protocol, with a query page at / (read-only, offline).

    GET or POST queries to /sparql from any SPARQL client; results come as JSON, XML, CSV, TSV, Turtle
    or N-Triples by the Accept header. Updates, SERVICE and FROM outside the build are refused. Named
    queries: /queries lists them, /queries/NAME?param=value runs one. Each request logs one line
    (status, rows, duration) on stderr. Stop with Ctrl-C.

    Example:

        kg serve --port 7878

        curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT ?lab WHERE { ?lab a kg:Lab }' \\
            http://127.0.0.1:7878/sparql
    """
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(message)s")
    config = ServeConfig(build=build, host=host, port=port, timeout=timeout, max_rows=max_rows,
                         max_request_bytes=max_request_bytes, cors=cors, workers=workers)

    def ready(server: KgServer) -> None:
        click.echo(f"kg serve: {server.url} (query page), SPARQL endpoint {server.url}sparql — "
                   f"{workers} workers, timeout {timeout:g} s, max {max_rows} rows; Ctrl-C stops")
        sys.stdout.flush()

    try:
        serve(config, ready)
    except OSError as err:
        raise InputError(f"cannot listen on {host}:{port}: {err.strerror or err} (try another --port)") from None
