"""`kg cite`: every source that supports a statement, quoted exactly, with independent-source counts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cite import cite, cite_endpoint
from kg.cite_format import FORMATS, render
from kg.cli.endpoint_options import endpoint_options, parse_user


@click.command("cite")
@click.argument("query")
@click.option("--build", "build", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Build folder made by `kg build`.")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for a terminal, json (stable schema), markdown for a brief, csl-json or bibtex for "
                   "citation managers such as Zotero.")
@click.option("-n", "--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="Show at most this many claims.")
@click.option("--min-sources", type=click.IntRange(min=1), default=1, show_default=True,
              help="Only claims supported by at least this many documents.")
@endpoint_options
def command(query: str, build: Path, fmt: str, limit: int, min_sources: int, endpoint: str | None,
            user: str | None, timeout: float, default_graph: str) -> None:
    """Find the claims that match QUERY and every source that supports them.

    QUERY is a claim or cluster IRI, an entity name or alias (typos are forgiven), or free text. Each result
    shows the claim and its modality, who made it and which outlet reported it, every supporting document
    (title, publisher, date, URL, page) with the exact quote, its context and offsets, and how many sources
    and independent sources (syndicated copies and outlets repeating another count once) support it.

    With --endpoint the build is read from a SPARQL server it was pushed to (`kg push`), with the same
    results.

    Exit code 1 when nothing matches: the nearest entity names are suggested on stderr (json output
    still prints its document, with empty results and the suggestions); also 1 when the build cannot be
    read. Exit code 2 when --endpoint cannot be reached or answers with an error (one line on stderr).

    Example:

        kg cite "Chinese open models rival US models" --build build

        kg cite "Chinese open models rival US models" --endpoint http://127.0.0.1:7878/query

        kg cite DigiChina --format bibtex > digichina.bib

        kg cite "Qwen downloads" --min-sources 2 --format markdown
    """
    if endpoint is None:
        answer = cite(build, query, limit=limit, min_sources=min_sources)
    else:
        answer = cite_endpoint(endpoint, query, limit=limit, min_sources=min_sources, timeout=timeout,
                               auth=parse_user(user), default_graph=default_graph)
    if answer.found or fmt == "json":
        click.echo(render(answer, fmt), nl=False)
    if not answer.found:
        floor = f" with at least {min_sources} sources" if min_sources > 1 else ""
        named = f" (read as {', '.join(e.name for e in answer.entities)})" if answer.entities else ""
        click.echo(f"kg cite: no claim{floor} matches {query!r}{named}.", err=True)
        nearest = [s for s in answer.suggestions if not any(s.startswith(e.name) for e in answer.entities)]
        if nearest:
            click.echo("Nearest entity names: " + "; ".join(nearest), err=True)
        if answer.entities and answer.mode == "text":
            names = " or ".join(f'kg cite "{e.name}"' for e in answer.entities[:3])
            click.echo(f"Everything about the entities it names: {names}", err=True)
        sys.exit(1)
