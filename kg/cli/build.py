"""`kg build`: corpus -> graph (graph.trig, the query store, the cache, the manifest) and a summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kg.build import BuildOptions, BuildResult, run_build
from kg.config import DEFAULT_BASE_IRI, Settings
from kg.iris import Iris


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in counts.items()) or "none"


def _report(result: BuildResult) -> None:
    s = result.summary
    click.echo(f"{s.documents:,} documents ({_counts(s.by_format)})")
    click.echo(f"  extracted {s.extracted:,}, from cache {s.cached:,}, removed {s.removed:,}")
    click.echo(f"{s.entities:,} entities ({_counts(s.entities_by_type)})")
    click.echo(f"{s.relations:,} relations ({_counts(s.relations_by_predicate)})")
    click.echo(f"{s.claims:,} claims ({_counts(s.claims_by_modality)})")
    click.echo(f"{len(s.warnings):,} warnings")
    if result.outputs:
        click.echo("wrote " + ", ".join(str(p) for p in result.outputs) + f" in {result.seconds:.1f} s")


@click.command("build")
@click.argument("corpus", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(path_type=Path, file_okay=False), default=Path("build"),
              show_default=True, help="Build folder to write (never inside a corpus folder).")
@click.option("--strict", is_flag=True, help="Exit with status 1 when there were warnings.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary as the last line.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Extraction processes (each loads the spaCy pipeline once).")
@click.option("--dask", "dask", metavar="ADDRESS", default=None,
              help="Extract on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://127.0.0.1:8786).")
@click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True,
              help="Base of every IRI the build mints (an absolute IRI ending in '/').")
@click.option("--no-progress", is_flag=True, help="Do not draw the progress bar on stderr.")
def command(corpus: tuple[Path, ...], out: Path, strict: bool, as_json: bool, workers: int, dask: str | None,
            base_iri: str, no_progress: bool) -> None:
    """Build the knowledge graph of CORPUS (files or folders; default: corpus/) into OUT.

    Reads .txt, .md (YAML front matter), .html, .pdf, .json and .jsonl documents; extracts entities,
    relations and claims; writes OUT/graph.trig (the whole dataset, sorted: the same corpus gives the same
    bytes), OUT/store/ (the Oxigraph store that `kg query`, `kg cite`, `kg viz` and `kg serve` read),
    OUT/cache/ (one extraction per document) and OUT/manifest.json. Rebuilds extract only new and changed
    documents; a deleted document's graph is removed. An interrupted build leaves the previous one usable.

    Each bad input is one warning line on stderr naming the file; the build goes on (--strict: exit 1).

    Example:

        kg build corpus -o build

        kg build corpus/news extra/report.pdf -o build --workers 2 --json
    """
    try:
        Iris(base_iri)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--base-iri") from err
    settings = Settings(base_iri=base_iri, workers=workers)
    options = BuildOptions(corpus=corpus or (Path("corpus"),), out=out, dask=dask, progress=not no_progress)
    try:
        result = run_build(options, settings, warn=lambda line: click.echo(f"warning: {line}", err=True),
                           info=lambda line: click.echo(line, err=True))
    except KeyboardInterrupt:
        click.echo("kg build: interrupted; the previous build is untouched, and the next `kg build` finishes "
                   "the job (what was extracted is cached)", err=True)
        sys.exit(130)
    _report(result)
    if as_json:
        click.echo(json.dumps(result.summary.as_json()))
    if strict and result.summary.warnings:
        click.echo(f"kg build: {len(result.summary.warnings)} warnings and --strict is set", err=True)
        sys.exit(1)
