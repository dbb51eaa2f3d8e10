"""`kg eval`: score the extractor against gold annotations."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kg.config import Settings
from kg.evaluate import format_text, headline, run_eval, to_dict
from kg.evaluate.baseline import TOLERANCE, load_baselines, regressions


@click.command("eval")
@click.argument("gold", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--corpus", type=click.Path(path_type=Path, exists=True), default=Path("corpus"), show_default=True,
              help="Folder holding the gold documents (their ids must match the gold doc_ids).")
@click.option("--pairs", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Labelled claim pairs for clustering [default: claim_pairs.json beside GOLD, if any].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: tables, misses and spurious predictions; json: the same, machine-readable.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Fail (exit 1) when a score drops more than --tolerance below this recorded baseline.")
@click.option("--tolerance", type=click.FloatRange(min=0.0), default=TOLERANCE, show_default=True,
              help="Allowed drop below the baseline.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Extraction processes.")
def command(gold: Path, corpus: Path, pairs: Path | None, fmt: str, baseline: Path | None, tolerance: float,
            workers: int) -> None:
    """Run the extractor on the gold documents and report how well it did.

    Reports entity precision/recall/F1, typed accuracy, relation P/R/F1, claim recall, attribution and
    modality accuracy, and claim-clustering merge precision/recall, each with counts, broken down by type,
    predicate and document, followed by every miss and every spurious prediction.

    Example:

        kg eval gold/corpus.json --corpus corpus

        kg eval gold/seeds.json --corpus ../shared/seeds --format json

        kg eval gold/corpus.json --baseline gold/baseline.json
    """
    settings = Settings(workers=workers)
    run = run_eval(gold, corpus, settings, pairs_path=pairs)
    if fmt == "json":
        click.echo(json.dumps(to_dict(run.scores, str(gold), len(run.pairs)), ensure_ascii=False, sort_keys=True))
    else:
        click.echo(format_text(run.scores, str(gold), len(run.pairs)))
    if baseline is not None:
        recorded = load_baselines(baseline).get(gold.name)
        if recorded is None:
            raise click.ClickException(f"{baseline}: no baseline recorded for {gold.name}")
        drops = regressions(headline(run.scores), recorded.scores, tolerance)
        for line in drops:
            click.echo(f"kg: regression: {line}", err=True)
        if drops:
            raise SystemExit(1)
        click.echo(f"no score dropped more than {tolerance:.2f} below {baseline}", err=True)
