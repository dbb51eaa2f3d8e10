"""`kg export`: the built graph as Turtle, N-Triples, N-Quads, TriG, JSON-LD, GraphML, GEXF or CSV tables."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from kg.export import FORMATS, export


@click.command("export")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="ttl/nt: all graphs merged; nq/trig/jsonld: named graphs kept; graphml/gexf: entities and "
                   "relations for Gephi or Cytoscape; csv: entities.csv and relations.csv.")
@click.option("-o", "--output", metavar="PATH", default=None,
              help="File to write [default: stdout]. For csv: a folder (existing, or ending in '/') or a "
                   "prefix (PREFIX-entities.csv, PREFIX-relations.csv); required.")
@click.option("--build", "build", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Build folder made by `kg build`.")
@click.option("--whole-seed", is_flag=True,
              help="graphml/gexf/csv: every entity of the seed knowledge base, not only those the corpus mentions.")
def command(fmt: str, output: str | None, build: Path, whole_seed: bool) -> None:
    """Export the built graph in another format.

    RDF formats are read from BUILD/graph.trig and come out sorted; JSON-LD carries its @context inline
    (nothing is fetched). GraphML and GEXF have one node per entity the corpus mentions or relates (label,
    type, Wikidata item, documents that mention it) and one edge per relation between them (predicate,
    documents that assert it; 0 for seed facts and model families). Without -o, the export goes to stdout.

    Example:

        kg export --format graphml -o build/graph.graphml

        kg export --format jsonld --build build > graph.jsonld

        kg export --format csv -o tables/
    """
    target = Path(output) if output else None
    folder = output is not None and output.endswith(("/", os.sep))
    result = export(build, fmt, target, sys.stdout.buffer, folder=folder, whole_seed=whole_seed)
    if result.paths:
        what = f"{result.nodes:,} entities, {result.statements:,} relations" if fmt in ("csv", "graphml", "gexf") \
            else f"{result.statements:,} statements"
        click.echo(f"wrote {', '.join(str(p) for p in result.paths)} ({what})", err=True)
