"""`kg viz`: write the interactive graph page."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.viz import write_viz
from kg.viz_select import DEFAULT_MAX_NODES, VizOptions


@click.command("viz")
@click.option("--build", "build", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Build folder made by `kg build`.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Where to write the page [default: BUILD/graph.html].")
@click.option("--focus", metavar="ENTITY", default=None,
              help="Draw only this entity (name, alias or IRI) and its neighbours.")
@click.option("--hops", type=click.IntRange(min=0), default=None,
              help="With --focus: how many relations away to go [default: 1].")
@click.option("--types", metavar="T,...", default=None,
              help="Only these classes, comma-separated (e.g. Lab,Model; Organization includes its subclasses).")
@click.option("--document", metavar="ID", default=None,
              help="Only what one document mentions or states (its id, e.g. news/scmp-open-models).")
@click.option("--min-degree", type=click.IntRange(min=0), default=0, show_default=True,
              help="Hide entities with fewer relations than this.")
@click.option("--max-nodes", type=click.IntRange(min=1), default=DEFAULT_MAX_NODES, show_default=True,
              help="Cap on drawn entities (the most connected are kept, with a notice on the page).")
@click.option("--include-seed", is_flag=True,
              help="Also draw seed knowledge-base entities that no document mentions (hidden by default).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary as the last line.")
def command(build: Path, output: Path | None, focus: str | None, hops: int | None, types: str | None,
            document: str | None, min_degree: int, max_nodes: int, include_seed: bool, as_json: bool) -> None:
    """Write one self-contained HTML page to explore the graph offline.

    Entities are coloured and shaped by type and sized by their number of relations. Click one for its
    aliases, Wikidata link, relations and the claims about it, each with its exact quote and source.
    The page loads nothing from the network.

    Example:

        kg viz --build build -o build/graph.html

        kg viz --focus DeepSeek --hops 2 -o deepseek.html
    """
    if hops is not None and focus is None:
        raise click.UsageError("--hops needs --focus ENTITY")
    type_names = tuple(t.strip() for t in types.split(",") if t.strip()) if types else ()
    options = VizOptions(focus=focus, hops=1 if hops is None else hops, types=type_names, document=document,
                         min_degree=min_degree, max_nodes=max_nodes, include_seed=include_seed)
    target = output if output is not None else build / "graph.html"
    result = write_viz(build, target, options)
    s = result.stats
    click.echo(f"{result.path}: {s.nodes:,} entities, {s.edges:,} relations, {s.claims:,} claims from "
               f"{s.documents:,} documents ({s.bytes / 1e6:.1f} MB, {result.seconds:.1f} s)")
    if s.seed_only:
        click.echo(f"({s.seed_only:,} seed knowledge-base entities that no document mentions are not drawn; "
                   "--include-seed draws them)")
    if s.notice:
        click.echo(f"note: showing {s.nodes:,} of {s.candidates:,} entities; use --focus ENTITY --hops N "
                   "(or --types, --document, --min-degree, --max-nodes) to see the rest", err=True)
    if as_json:
        click.echo(json.dumps({"path": str(result.path), "nodes": s.nodes, "edges": s.edges, "claims": s.claims,
                               "documents": s.documents, "candidates": s.candidates, "total": s.total,
                               "seed_only": s.seed_only,
                               "capped": bool(s.notice), "bytes": s.bytes}, sort_keys=True))
