"""`kg query`: run SPARQL (inline, from a file, or a named query) over the build and print the answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kg.cli.endpoint_options import endpoint_options, parse_user
from kg.errors import InputError, KgError
from kg.named_queries import bind_params, get_named_query, load_named_queries
from kg.query import FORMATS, Dataset, endpoint_dataset, open_dataset, render, run_query
from kg.sparql_check import QuerySyntaxError

EXIT_CODES = """Exit codes: 0 success (for ASK: the answer is true); 1 the ASK answer is false;
2 error (bad query, unknown parameter or entity, no build, bad option, an --endpoint that cannot be reached
or refuses the query) with a one-line message on stderr."""


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--param {pair!r}: write NAME=VALUE (e.g. --param entity=DeepSeek)")
        out[name.strip().lstrip("?$")] = value
    return out


def _read_query(sparql: str | None, file: Path | None, name: str | None) -> str:
    given = [x for x in (sparql, file, name) if x is not None]
    if len(given) != 1:
        raise InputError("give exactly one query: 'SELECT …', --file FILE.rq or --name NAME (see --list)")
    if file is not None:
        if str(file) == "-":
            return sys.stdin.read()
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"{file}: cannot read the query ({err})") from None
    return sparql if sparql is not None else ""


def _print_list(fmt: str) -> None:
    queries = load_named_queries()
    if fmt == "json":
        click.echo(json.dumps([{"name": q.name, "description": q.description, "example": q.example,
                                "params": [{"name": p.name, "kind": p.kind, "optional": p.optional, "help": p.help}
                                           for p in q.params]} for q in queries.values()], indent=2))
        return
    width = max(len(n) for n in queries)
    for query in queries.values():
        click.echo(f"{query.name.ljust(width)}  {query.description}")
        for p in query.params:
            flag = f"--param {p.name}=…"
            click.echo(f"{'':{width}}    {flag:24} {p.kind}{', optional' if p.optional else ''}: {p.help}")


def _dataset(build: Path, endpoint: str | None, user: str | None, timeout: float, default_graph: str) -> Dataset:
    if endpoint is None:
        return open_dataset(build)
    return endpoint_dataset(endpoint, timeout=timeout, auth=parse_user(user), default_graph=default_graph)


def _syntax_context(text: str, err: QuerySyntaxError) -> str:
    if err.line is None or err.column is None:
        return ""
    lines = text.splitlines()
    if not 1 <= err.line <= len(lines):
        return ""
    return f"  {lines[err.line - 1]}\n  {' ' * (err.column - 1)}^"


@click.command("query", epilog=EXIT_CODES)
@click.argument("sparql", required=False)
@click.option("--file", "-f", "file", type=click.Path(path_type=Path, allow_dash=True), default=None,
              help="Read the query from a .rq file ('-' for stdin).")
@click.option("--name", "-n", "name", default=None, help="Run a named query (see --list).")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to VALUE: <iri> or prefix:name is an IRI, digits an integer, "
                   "\"…\"@en or \"…\"^^xsd:date a literal, anything else a string. Named queries also take "
                   "entity names and aliases. Never pasted into the query text.")
@click.option("--list", "list_", is_flag=True, help="List the named queries and their parameters.")
@click.option("--show", is_flag=True, help="Print the named query's SPARQL instead of running it.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for people; json/xml/csv/tsv are the W3C SPARQL result formats; "
                   "CONSTRUCT/DESCRIBE print turtle (or ntriples, rdfxml, jsonld).")
@click.option("--build", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="The build directory (made by `kg build`).")
@click.option("--max-width", type=click.IntRange(min=8), default=60, show_default=True,
              help="Table format: cut cells wider than this.")
@endpoint_options
def command(sparql: str | None, file: Path | None, name: str | None, params: tuple[str, ...], list_: bool,
            show: bool, fmt: str, build: Path, max_width: int, endpoint: str | None, user: str | None,
            timeout: float, default_graph: str) -> None:
    """Ask the graph a question in SPARQL: inline, from a file, or one of the named queries.

    Queries run over the union of all the build's graphs; the prefixes kg:, skos:, dct:, prov:, oa:,
    schema:, owl:, rdf:, rdfs:, xsd:, wd: and the build's e: (entities), doc:, claim: are predeclared.
    With --endpoint they run on a SPARQL server the build was pushed to (`kg push`), with the same answers.

    Example:

        kg query --name claims-about --param entity=DeepSeek

        kg query --name documents --endpoint http://127.0.0.1:7878/query

        kg query 'SELECT ?lab ?country WHERE { ?lab a kg:Lab ; kg:basedIn ?country }' --format csv

        kg query 'ASK { e:deepseek kg:basedIn e:china }'
    """
    text = ""
    ds: Dataset | None = None
    try:
        if list_:
            _print_list(fmt)
            return
        named = get_named_query(name) if name is not None else None
        text = named.text if named else _read_query(sparql, file, name)
        if show:
            click.echo(text, nl=not text.endswith("\n"))
            return
        ds = _dataset(build, endpoint, user, timeout, default_graph)
        bindings = bind_params(ds, _parse_params(params), named.params if named else None)
        answer = run_query(ds, text, bindings=bindings)
        sys.stdout.buffer.write(render(answer, fmt, ds.prefixes, max_width))
        sys.stdout.flush()
    except QuerySyntaxError as err:
        click.echo(f"kg: error: {err}", err=True)
        context = _syntax_context(text, err)
        if context:
            click.echo(context, err=True)
        sys.exit(2)
    except KgError as err:
        click.echo(f"kg: error: {err}", err=True)
        sys.exit(2)
    finally:
        if ds is not None:
            ds.backend.close()
    if answer.form == "ASK" and not answer.boolean:
        sys.exit(1)
