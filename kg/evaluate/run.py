"""Running an evaluation end to end: read the corpus, check the gold fits it, extract, cluster, score."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.config import Settings
from kg.corpus import read_corpus
from kg.evaluate.gold import ClaimPair, GoldDocument, GoldError, check_against_documents, load_gold, load_pairs
from kg.evaluate.score import Scores, evaluate_extractions
from kg.iris import Iris
from kg.records import ClaimCluster, Document, Extraction

Extractor = Callable[[Sequence[Document], Settings], Iterable[Extraction]]
Clusterer = Callable[[Sequence[Extraction], Iris], Sequence[ClaimCluster]]

PAIRS_FILE = "claim_pairs.json"


@dataclass(frozen=True)
class EvalRun:
    gold_path: Path
    gold: tuple[GoldDocument, ...]
    pairs: tuple[ClaimPair, ...]
    scores: Scores


def default_extractor(documents: Sequence[Document], settings: Settings) -> Iterable[Extraction]:
    # imported on use: loading it loads the spaCy pipeline
    module = importlib.import_module("kg.extract")
    extractions: Iterable[Extraction] = module.extract_documents(documents, settings, workers=settings.workers)
    return extractions


def default_clusterer(extractions: Sequence[Extraction], iris: Iris) -> Sequence[ClaimCluster]:
    from kg.clusters import cluster_claims

    return cluster_claims(extractions, iris)


def pairs_for(gold: Sequence[GoldDocument], pairs_path: Path | None, gold_path: Path) -> tuple[ClaimPair, ...]:
    """Labelled pairs whose two claims both lie in this gold set (``claim_pairs.json`` beside the gold file by
    default; an explicit file must fit entirely)."""
    explicit = pairs_path is not None
    path = pairs_path or gold_path.with_name(PAIRS_FILE)
    if not path.is_file():
        if explicit:
            raise GoldError(f"{path}: no such file")
        return ()
    ids = {d.doc_id for d in gold}
    pairs = load_pairs(path)
    inside = tuple(p for p in pairs if p.a.doc_id in ids and p.b.doc_id in ids)
    if explicit and len(inside) != len(pairs):
        raise GoldError(f"{path}: {len(pairs) - len(inside)} pairs name documents that are not in {gold_path}")
    return inside


def run_eval(
    gold_path: Path,
    corpus: Path,
    settings: Settings,
    pairs_path: Path | None = None,
    extractor: Extractor = default_extractor,
    clusterer: Clusterer = default_clusterer,
) -> EvalRun:
    gold = load_gold(gold_path)
    pairs = pairs_for(gold, pairs_path, gold_path)
    result = read_corpus([corpus], settings)
    wanted = {d.doc_id for d in gold}
    documents = [d for d in result.documents if d.id in wanted]
    errors = check_against_documents(gold, result.documents, pairs)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise GoldError(f"{gold_path}: {errors[0]}{more}; fix the gold or pass the right --corpus")
    extractions = list(extractor(documents, settings))
    clusters = clusterer(extractions, Iris(settings.base_iri)) if pairs else ()
    scores = evaluate_extractions(gold, extractions, pairs, clusters)
    return EvalRun(gold_path, gold, pairs, scores)
