"""`kg extract`: run the extraction on files or folders and print one record per document (JSON or JSON Lines)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, cast

import click

from kg.config import DEFAULT_BASE_IRI, Settings
from kg.extract.output import FORMATS, Format, check_output, dump_records, extract_records, write_records
from kg.iris import Iris
from kg.records import Problem


@click.command("extract")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True,
              help="json: one list of records; jsonl: one record per line.")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write to this file (atomically) instead of standard output.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Extraction processes (each loads the spaCy pipeline once).")
@click.option("--base-iri", default=DEFAULT_BASE_IRI, show_default=True,
              help="Base of every IRI minted (an absolute IRI ending in '/').")
@click.option("--no-progress", is_flag=True, help="Do not draw a progress bar on stderr.")
def command(paths: tuple[Path, ...], fmt: str, out: Path | None, workers: int, base_iri: str,
            no_progress: bool) -> None:
    """Extract entities, relations and claims from PATHS (files or folders) without building a graph.

    Prints one record per document: the document's metadata, its entities (type, canonical name, aliases,
    Wikidata id, every mention with exact offsets, and the rule behind each merge), its relations (with
    evidence span, rule and confidence) and its claims (with attribution, modality and exact offsets).
    Offsets are Python string indices into the document's text. Problems with inputs are warnings on
    stderr; the other documents are still extracted.

    Example:

        kg extract corpus/news/deepseek-r1-release.md

        kg extract corpus --format jsonl -o extractions.jsonl --workers 2
    """
    try:
        Iris(base_iri)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--base-iri") from err
    if out is not None:
        check_output(out, paths)
    settings = Settings(base_iri=base_iri, workers=workers)
    bar: Any = None

    def warn(problem: Problem) -> None:
        click.echo(f"warning: {problem}", err=True)

    def total(n: int) -> None:
        nonlocal bar
        if not no_progress and sys.stderr.isatty() and n > 1:
            from tqdm import tqdm

            bar = tqdm(total=n, unit="doc", file=sys.stderr, leave=False)

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    records = extract_records(paths, settings, workers=workers, warn=warn, progress=progress, total=total)
    try:
        if out is None:
            count = dump_records(records, cast(Format, fmt), sys.stdout)
        else:
            count = write_records(records, cast(Format, fmt), out)
    finally:
        if bar is not None:
            bar.close()
    if out is not None:
        click.echo(f"wrote {count:,} records to {out}", err=True)
