"""Scores over Extraction records and gold documents: pure functions, no I/O, no NLP.

Entities are aligned one-to-one (see :mod:`kg.evaluate.match`); an unaligned prediction that matches a gold
entity already taken is a duplicate (a failed merge) and counts as a false positive, like one that matches
nothing. Relations match by subject, predicate and object through that alignment (symmetric predicates in
either direction). A gold claim is found when a predicted claim's span covers its key phrase; attribution and
modality are then judged on the shortest covering claim. Claim-clustering pairs are merged when both claims
are found and land in one cluster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kg.evaluate.gold import SYMMETRIC, ClaimPair, GoldDocument, GoldError
from kg.evaluate.match import Alignment, align, ref_matches, resolve
from kg.records import Claim, ClaimCluster, Extraction


@dataclass
class Counts:
    """True positives, false positives and false negatives; precision, recall and F1 from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Ratio:
    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 1.0

    def count(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)

    def as_dict(self) -> dict[str, float | int]:
        return {"value": round(self.value, 4), "correct": self.correct, "total": self.total}


@dataclass(frozen=True)
class Finding:
    """One miss or spurious prediction, so the next improvement is obvious."""

    kind: str  # entity | type | relation | claim | attribution | modality | pair
    doc_id: str
    gold: str | None  # what the gold says (None for a spurious prediction)
    predicted: str | None  # what was predicted (None for a miss)

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "doc_id": self.doc_id, "gold": self.gold, "predicted": self.predicted}


@dataclass
class Scores:
    entities: Counts = field(default_factory=Counts)
    entities_by_type: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    types: Ratio = field(default_factory=Ratio)
    types_by_type: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    relations: Counts = field(default_factory=Counts)
    relations_by_predicate: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    claims: Counts = field(default_factory=Counts)  # tp = gold found, fn = gold missed, fp = spurious predicted
    attribution: Ratio = field(default_factory=Ratio)
    modality: Ratio = field(default_factory=Ratio)
    modality_by_gold: dict[str, Ratio] = field(default_factory=lambda: defaultdict(Ratio))
    merges: Counts = field(default_factory=Counts)  # tp: same & merged, fp: different & merged, fn: same & apart
    pairs_unresolved: int = 0
    by_document: dict[str, Scores] = field(default_factory=dict)
    misses: list[Finding] = field(default_factory=list)
    spurious: list[Finding] = field(default_factory=list)

    def add(self, other: Scores) -> None:
        self.entities.add(other.entities)
        self.relations.add(other.relations)
        self.claims.add(other.claims)
        for key, counts in other.entities_by_type.items():
            self.entities_by_type[key].add(counts)
        for key, counts in other.relations_by_predicate.items():
            self.relations_by_predicate[key].add(counts)
        for mine, theirs in ((self.types, other.types), (self.attribution, other.attribution),
                             (self.modality, other.modality)):
            mine.correct += theirs.correct
            mine.total += theirs.total
        for ratios, others in ((self.types_by_type, other.types_by_type),
                               (self.modality_by_gold, other.modality_by_gold)):
            for key, ratio in others.items():
                ratios[key].correct += ratio.correct
                ratios[key].total += ratio.total
        self.misses.extend(other.misses)
        self.spurious.extend(other.spurious)


def _label(alignment: Alignment, iri: str) -> str:
    entity = alignment.predicted.get(iri)
    return f"{entity.name} ({entity.type})" if entity else iri


def score_entities(gold: GoldDocument, alignment: Alignment, out: Scores) -> None:
    for entity in gold.entities:
        iri = alignment.assigned.get(entity.name)
        if iri is None:
            out.entities.fn += 1
            out.entities_by_type[entity.type].fn += 1
            out.misses.append(Finding("entity", gold.doc_id, f"{entity.name} ({entity.type})", None))
            continue
        out.entities.tp += 1
        out.entities_by_type[entity.type].tp += 1
        predicted_type = alignment.predicted[iri].type
        ok = predicted_type == entity.type
        out.types.count(ok)
        out.types_by_type[entity.type].count(ok)
        if not ok:
            out.misses.append(Finding("type", gold.doc_id, f"{entity.name} ({entity.type})", _label(alignment, iri)))
    for iri, owner in sorted(alignment.duplicates.items()):
        out.entities.fp += 1
        out.entities_by_type[alignment.predicted[iri].type].fp += 1
        out.spurious.append(Finding("entity", gold.doc_id, f"duplicate of {owner}", _label(alignment, iri)))
    for iri in alignment.spurious:
        out.entities.fp += 1
        out.entities_by_type[alignment.predicted[iri].type].fp += 1
        out.spurious.append(Finding("entity", gold.doc_id, None, _label(alignment, iri)))


def score_relations(gold: GoldDocument, extraction: Extraction, alignment: Alignment, out: Scores) -> None:
    """tp: gold relations found; fp: predicted triples that match no gold relation; fn: gold relations missed.
    A second prediction of a relation already found (through a duplicate entity) is neither. An entity's
    ``family`` link counts as a predicted ``partOf`` when the family is an entity of the same document."""
    triples = {(r.subject, r.predicate, r.object) for r in extraction.relations}
    # version -> family links count as partOf when the family is itself an entity of this document
    listed = {e.id for e in extraction.entities}
    triples |= {(e.id, "partOf", e.family) for e in extraction.entities if e.family and e.family in listed}
    predicted = sorted(triples)
    resolved = {iri: resolve(iri, gold, alignment) for triple in predicted for iri in (triple[0], triple[2])}
    found_gold: set[int] = set()
    for s, p, o in predicted:
        hits = [
            i for i, g in enumerate(gold.relations)
            if g.predicate == p and (
                (g.subject in resolved[s] and g.object in resolved[o])
                or (p in SYMMETRIC and g.subject in resolved[o] and g.object in resolved[s])
            )
        ]
        if hits:
            found_gold.update(hits)
        else:
            out.relations.fp += 1
            out.relations_by_predicate[p].fp += 1
            shown = f"{_label(alignment, s)} {p} {_label(alignment, o)}"
            out.spurious.append(Finding("relation", gold.doc_id, None, shown))
    for i, rel in enumerate(gold.relations):
        if i in found_gold:
            out.relations.tp += 1
            out.relations_by_predicate[rel.predicate].tp += 1
        else:
            out.relations.fn += 1
            out.relations_by_predicate[rel.predicate].fn += 1
            out.misses.append(Finding("relation", gold.doc_id, f"{rel.subject} {rel.predicate} {rel.object}", None))


def covering(claims: Iterable[Claim], start: int, end: int) -> Claim | None:
    """The shortest predicted claim whose span covers [start, end)."""
    hits = [c for c in claims if c.start <= start and c.end >= end]
    return min(hits, key=lambda c: (c.end - c.start, c.start, c.id)) if hits else None


def score_claims(gold: GoldDocument, extraction: Extraction, alignment: Alignment, out: Scores) -> dict[str, Claim]:
    """Scores claims; returns key phrase -> the predicted claim that covers it (for clustering pairs)."""
    text = extraction.document.text
    found: dict[str, Claim] = {}
    used: set[str] = set()
    for claim in gold.claims:
        start = text.find(claim.key_phrase)
        match = covering(extraction.claims, start, start + len(claim.key_phrase)) if start >= 0 else None
        if match is None:
            out.claims.fn += 1
            out.misses.append(Finding("claim", gold.doc_id, claim.key_phrase, None))
            continue
        out.claims.tp += 1
        found[claim.key_phrase] = match
        used.update(c.id for c in extraction.claims if c.start <= start and c.end >= start + len(claim.key_phrase))
        predicted_ref = match.attributed_to
        if claim.attributed_to is None:
            ok = predicted_ref is None
        else:
            ok = predicted_ref is not None and ref_matches(
                predicted_ref.id, predicted_ref.name, claim.attributed_to, gold, alignment
            )
        out.attribution.count(ok)
        if not ok:
            shown = predicted_ref.name if predicted_ref else "nobody"
            out.misses.append(Finding("attribution", gold.doc_id, f"{claim.key_phrase}: {claim.attributed_to}", shown))
        ok = match.modality == claim.modality
        out.modality.count(ok)
        out.modality_by_gold[claim.modality].count(ok)
        if not ok:
            out.misses.append(Finding("modality", gold.doc_id, f"{claim.key_phrase}: {claim.modality}", match.modality))
    for predicted in extraction.claims:
        if predicted.id not in used:
            out.claims.fp += 1
            out.spurious.append(Finding("claim", gold.doc_id, None, predicted.text))
    return found


def score_document(gold: GoldDocument, extraction: Extraction) -> tuple[Scores, dict[str, Claim]]:
    out = Scores()
    alignment = align(gold, extraction)
    score_entities(gold, alignment, out)
    score_relations(gold, extraction, alignment, out)
    found = score_claims(gold, extraction, alignment, out)
    return out, found


def score_pairs(
    pairs: Sequence[ClaimPair], found: Mapping[tuple[str, str], Claim], clusters: Sequence[ClaimCluster], out: Scores
) -> None:
    """Merge precision and recall of claim clustering on labelled pairs."""
    cluster_of = {member: c.id for c in clusters for member in c.members}
    for pair in pairs:
        a = found.get((pair.a.doc_id, pair.a.key_phrase))
        b = found.get((pair.b.doc_id, pair.b.key_phrase))
        if a is None or b is None:
            out.pairs_unresolved += 1
        merged = a is not None and b is not None and cluster_of.get(a.id, a.id) == cluster_of.get(b.id, b.id)
        shown = f"{pair.a.doc_id}: {pair.a.key_phrase} | {pair.b.doc_id}: {pair.b.key_phrase}"
        if pair.label == "same" and merged:
            out.merges.tp += 1
        elif pair.label == "same":
            out.merges.fn += 1
            why = "apart" if a and b else "claim not found"
            out.misses.append(Finding("pair", pair.a.doc_id, f"same: {shown}", why))
        elif merged:
            out.merges.fp += 1
            out.spurious.append(Finding("pair", pair.a.doc_id, f"different: {shown}", "merged"))


def evaluate_extractions(
    gold: Sequence[GoldDocument],
    extractions: Iterable[Extraction],
    pairs: Sequence[ClaimPair] = (),
    clusters: Sequence[ClaimCluster] = (),
) -> Scores:
    """All scores for ``extractions`` against ``gold``; a gold document with no extraction scores as all missed."""
    by_id = {x.document.id: x for x in extractions}
    total = Scores()
    found: dict[tuple[str, str], Claim] = {}
    for doc in sorted(gold, key=lambda d: d.doc_id):
        extraction = by_id.get(doc.doc_id)
        if extraction is None:
            raise GoldError(f"{doc.doc_id}: no extraction for this gold document")
        scores, doc_found = score_document(doc, extraction)
        total.by_document[doc.doc_id] = scores
        total.add(scores)
        found.update({(doc.doc_id, k): v for k, v in doc_found.items()})
    score_pairs(pairs, found, clusters, total)
    return total
