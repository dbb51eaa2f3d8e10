"""Typed relations between the entities of one document, each with its evidence span, rule and confidence.

Two families of rules, both driven by kg/patterns/relations.json:

* **bridges** (kg/extract/relation_bridges.py): the exact words between two neighbouring mentions
  ("X, a research center at Y", "Y CEO X", "Hangzhou-based X", "X, which operates under Y");
* **dependency rules**: verb and nominal frames (kg/extract/relation_frames.py: "acquired by", "fine-tuned
  from", "export restrictions on ... to China"), and noun-phrase rules (kg/extract/relation_nouns.py:
  possessives "Alibaba's Qwen", role nouns "the company's chief executive X", collaboration phrases
  "developed in collaboration with HAI", report references "a report by ...").

What gives no relation: two names in one sentence (co-occurrence), a negated predicate ("never partnered
with", "has not acquired", "failed to buy"), a hedged one ("may acquire", "appears to outperform",
"reportedly backed": the annotation guidelines count hedges as claims, not facts; set ``keep_hedged`` in
relations.json to keep them at ``hedge_factor`` times the confidence), a question, a contrasted phrase
("built on Qwen rather than on Llama"), and any pair whose classes the ontology's domain/range (or the rule's
own types) exclude. A subject found by resolving "it", "its" or a bare "the report" costs
``resolution_factor``. "Outperforms" also needs an evaluation in the sentence (a benchmark, a test, a score).

Credits (kg/extract/relation_credits.py): a credit line ("A joint publication of DigiChina and HAI."), an
"About the Authors" section, and pronoun appositions ("Zhipu AI and MiniMax, two of its competitors").

Collaboration on a report: "The analysis was produced by DigiChina ... It was developed in collaboration
with HAI" gives report publishedBy DigiChina (verb-publish), report publishedBy HAI (report-co-publisher,
lower confidence) and DigiChina collaboratesWith HAI (co-publisher).
"""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc

from kg.extract.docview import doc_view
from kg.extract.relation_bridges import bridge_relations
from kg.extract.relation_context import Context, Found
from kg.extract.relation_credits import (
    author_section_relations,
    bare_title_relations,
    credit_relations,
    pronoun_apposition_relations,
)
from kg.extract.relation_frames import verb_relations
from kg.extract.relation_nominal import nominal_relations
from kg.extract.relation_nouns import (
    collaboration_relations,
    possessive_relations,
    report_relations,
    title_relations,
)
from kg.extract.spans import is_a
from kg.iris import Iris
from kg.records import Document, Entity, Relation, Span


def extract_relations(
    doc: Doc, document: Document, entities: Sequence[Entity], iris: Iris, *, offset: int = 0
) -> tuple[Relation, ...]:
    """Relations stated in ``doc``: the spaCy Doc of the text of ``document`` from ``offset`` on.

    Mentions outside that range are ignored; evidence offsets are document offsets. ``iris`` is accepted for
    symmetry with the other stages: entity IRIs come from ``entities``.
    """
    del iris  # relation IRIs are minted when the graph is written (Iris.relation)
    view = doc_view(doc, document.text, offset)
    if view is None:
        raise ValueError(f"{document.path}: the spaCy doc does not match the document text at offset {offset}")
    ctx = Context(doc, document, entities, view)
    related = []
    for unit in ctx.units:
        if ctx.is_question(unit):
            continue
        bridge_relations(ctx, unit)
        if not ctx.may_relate(unit):
            continue  # fewer than two things the rules could resolve: no relation is possible
        related.append(unit)
        possessive_relations(ctx, unit)
        report_relations(ctx, unit)
        title_relations(ctx, unit)
        verb_relations(ctx, unit)
        nominal_relations(ctx, unit)
        collaboration_relations(ctx, unit)
        credit_relations(ctx, unit)
        pronoun_apposition_relations(ctx, unit)
    for unit in related:  # after every other rule: only persons no rule gave a post
        bare_title_relations(ctx, unit)
    author_section_relations(ctx)
    _implied_parents(ctx)
    return _finish(ctx)


PARENT_TYPES = ("University", "Company", "GovernmentBody")
UNIT_TYPES = ("ResearchCenter", "Lab", "ThinkTank")
IMPLIED_PARENT_CONFIDENCE = 0.6


def _implied_parents(ctx: Context) -> None:
    """"Stanford University's DigiChina Project, which operates under CISAC": CISAC is Stanford's too.

    When one sentence places a unit A both in a university/company/government body U and under a centre,
    lab or think tank B, then B is part of U (rule ``implied-parent``, lower confidence).
    """
    part_of = [f for f in ctx.found if f.predicate == "partOf"]
    by_subject: dict[str, list[Found]] = {}
    for f in part_of:
        by_subject.setdefault(f.subject.id, []).append(f)
    for a in part_of:
        if not is_a(a.object.type, PARENT_TYPES):
            continue
        for b in by_subject[a.subject.id]:
            if b.object.id == a.object.id or not is_a(b.object.type, UNIT_TYPES):
                continue
            if not ctx.same_unit(ctx.doc[a.first], ctx.doc[b.first]):
                continue
            if ctx.admit(b.object, "partOf", a.object):
                first, last = min(a.first, b.first), max(a.last, b.last)
                confidence = IMPLIED_PARENT_CONFIDENCE * min(a.confidence, b.confidence)
                ctx.add(b.object, "partOf", a.object, first, last, "implied-parent", confidence)


def _finish(ctx: Context) -> tuple[Relation, ...]:
    """One relation per (subject, predicate, object, evidence), the most confident rule winning; sorted."""
    best: dict[tuple[str, str, str, int, int], tuple[Found, int, int]] = {}
    for f in ctx.found:
        start, end = ctx.index.chars(f.first, f.last)
        subj, obj = f.subject.id, f.object.id
        if f.predicate in ctx.data.symmetric and obj < subj:
            subj, obj = obj, subj
        key = (subj, f.predicate, obj, start, end)
        held = best.get(key)
        if held is None or (f.confidence, held[0].rule) > (held[0].confidence, f.rule):
            best[key] = (f, start, end)
    # leads implies worksFor (rdfs:subPropertyOf): keep the more specific one for the same evidence
    led = {(k[0], k[2], k[3], k[4]) for k in best if k[1] == "leads"}
    best = {k: v for k, v in best.items() if not (k[1] == "worksFor" and (k[0], k[2], k[3], k[4]) in led)}
    text = ctx.document.text
    relations = [
        Relation(
            subject=key[0],
            predicate=key[1],
            object=key[2],
            evidence=Span(start, end, text[start:end]),
            rule=f.rule,
            confidence=f.confidence,
        )
        for key, (f, start, end) in best.items()
    ]
    relations.sort(key=lambda r: (r.evidence.start, r.evidence.end, r.predicate, r.subject, r.object, r.rule))
    return tuple(relations)


__all__ = ["extract_relations"]
