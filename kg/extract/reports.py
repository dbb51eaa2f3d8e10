"""Report references: "a new Stanford University report", "a report by ...", "the report", "the study".

Each reference becomes a mention of a Report entity (merge rule ``report-reference``):

* a reference that names an organisation ("Stanford's report", "a report prepared by DigiChina",
  "the analysis was produced by ...") goes to the seed report whose publisher is that organisation or sits
  under it (``publishedBy``, then ``partOf`` upwards) and whose title words the document echoes; failing
  that, to a new Report named after the organisation ("Stanford University report");
* a bare definite reference ("the report", "the study") goes to the document's main report: the one its
  organisation-bearing references point to most, else the one seed report the document names or echoes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Token

from kg.extract.annotations import annotated
from kg.extract.groups import DocEntities, Group
from kg.extract.linking import ORG_TYPES
from kg.seed import SeedEntity

_WORD = re.compile(r"[a-z0-9]+")
MODIFIER_DEPS = frozenset({"det", "amod", "compound", "poss", "nmod", "nummod", "case", "punct"})
AGENT_DEPS = frozenset({"agent", "prep"})
MEMBER_PREPS = frozenset({"at", "from", "of", "with"})


@dataclass
class Reference:
    start: int  # tokens, end exclusive
    end: int
    head: int
    orgs: list[Group]
    definite: bool


def _org_at(state: DocEntities, tok: Token) -> list[Group]:
    """Organisations mentioned at ``tok`` and its conjuncts ("DigiChina and HAI")."""
    out: list[Group] = []
    for t in [tok, *[c for c in tok.children if c.dep_ == "conj"]]:
        for k in range(t.left_edge.i, t.i + 1):
            owner = state.owner[k]
            group = state.groups.get(owner) if owner else None
            if group is not None and group.type in ORG_TYPES and group not in out:
                out.append(group)
    return out


def _by_orgs(state: DocEntities, head: Token) -> list[Group]:
    """"report by/from X", "report prepared by X", "the analysis was produced by X"."""
    lex = state.lexicon
    out: list[Group] = []
    preps = [c for c in head.children if c.dep_ == "prep" and c.lower_ in lex.report_preps]
    for verb in [c for c in head.children if c.dep_ == "acl" and c.lemma_.lower() in lex.report_verbs]:
        preps.extend(c for c in verb.children if c.dep_ in AGENT_DEPS and c.lower_ in lex.report_preps)
    if head.dep_ in ("nsubjpass", "nsubj") and head.head.lemma_.lower() in lex.report_verbs:
        preps.extend(c for c in head.head.children if c.dep_ in AGENT_DEPS and c.lower_ in lex.report_preps)
    for prep in preps:
        for obj in prep.children:
            if obj.dep_ != "pobj":
                continue
            found = _org_at(state, obj)
            if not found:  # "a study by researchers at X", "a report from a team at X"
                for inner in obj.children:
                    if inner.dep_ == "prep" and inner.lower_ in MEMBER_PREPS:
                        found.extend(g for o in inner.children if o.dep_ == "pobj" for g in _org_at(state, o))
            out.extend(g for g in found if g not in out)
    return out


def find_references(state: DocEntities) -> list[Reference]:
    doc = state.doc
    lex = state.lexicon
    if not annotated(doc).parsed:
        return []
    refs = []
    for i, lower in enumerate(state.lowers):
        if lower not in lex.report_nouns or state.owner[i] is not None:
            continue
        tok = doc[i]
        if tok.tag_ not in ("NN", "NNP") or tok.dep_ == "compound":
            continue
        mods = [c for c in tok.lefts if c.dep_ in MODIFIER_DEPS]
        start = min((c.left_edge.i for c in mods), default=tok.i)
        while start < tok.i and (doc[start].is_punct or doc[start].is_space):
            start += 1
        if any("\n" in state.texts[k] for k in range(start, tok.i)):
            continue
        dets = [c for c in mods if c.dep_ in ("det", "poss") and c.lower_ in lex.report_determiners]
        inner = []
        for k in range(start, tok.i):
            owner = state.owner[k]
            group = state.groups.get(owner) if owner else None
            if group is not None and group.type in ORG_TYPES and group not in inner:
                inner.append(group)
            if group is not None and group.type == "Report":
                inner = []
                break
        orgs = inner + [g for g in _by_orgs(state, tok) if g not in inner]
        if not dets and not inner:
            continue
        definite = any(d.lower_ not in ("a", "an") for d in dets) or (bool(inner) and not dets)
        refs.append(Reference(start, tok.i + 1, tok.i, orgs, definite))
    return refs


def _ancestors(state: DocEntities, ent: SeedEntity) -> set[str]:
    """The entity and everything it is part of (IRIs)."""
    seen = {ent.iri}
    frontier = [ent]
    while frontier:
        cur = frontier.pop()
        for iri in cur.facts_for("partOf"):
            parent = state.index.seed.get(iri)
            if parent is not None and parent.iri not in seen:
                seen.add(parent.iri)
                frontier.append(parent)
    return seen


def _title_overlap(state: DocEntities, report: SeedEntity, words: set[str]) -> float:
    """Share of the report's title words (no stopwords, no numbers) the document uses; 0 when it uses fewer
    than two of them (one shared word such as "safety" is no evidence)."""
    stop = state.lexicon.report_label_stopwords
    title = {
        w
        for w in _WORD.findall(report.label.lower().replace("’", "'"))
        if len(w) > 2 and w not in stop and not w.isdigit()
    }
    if not title:
        return 0.0
    hits = sum(1 for w in title if w in words or w + "s" in words)
    return hits / len(title) if hits >= min(2, len(title)) else 0.0


def _seed_report(state: DocEntities, orgs: list[Group], words: set[str], named: set[str]) -> SeedEntity | None:
    """The seed report published by (or under) one of ``orgs`` whose title the document echoes."""
    best: tuple[float, str, SeedEntity] | None = None
    present = {iri for iri, g in state.groups.items() if g.mentions}
    for report in state.index.seed.entities:
        if report.type != "Report" or report.iri in named:
            continue
        score = 0.0
        publishers = [p for iri in report.facts_for("publishedBy") if (p := state.index.seed.get(iri)) is not None]
        for org in orgs:
            for pub in publishers:
                if org.iri == pub.iri:
                    score = max(score, 3.0)
                elif org.iri in _ancestors(state, pub):
                    score = max(score, 2.0)
        if score < 2.0:
            continue
        if any(p.iri in present for p in publishers):
            score += 1.0
        overlap = _title_overlap(state, report, words)
        if overlap < state.lexicon.report_min_overlap:
            continue
        key = (score + 3 * overlap, report.iri, report)
        if best is None or key[:2] > best[:2]:
            best = (key[0], key[1], report)
    return best[2] if best else None


def _document_words(state: DocEntities) -> set[str]:
    """Words of the text outside report names (a title echoed only by naming another report is no echo)."""
    text = state.document.text
    cuts = sorted(
        span for g in state.groups.values() if g.seed is not None and g.seed.type == "Report" for span in g.mentions
    )
    parts, pos = [], 0
    for first, last in cuts:
        parts.append(text[pos:first])
        pos = max(pos, last)
    parts.append(text[pos:])
    return set(_WORD.findall(" ".join(parts).lower()))


def _named_reports(state: DocEntities) -> set[str]:
    """Seed reports the document names, with their series and editions ("AI Index" -> "AI Index 2025")."""
    named = {iri for iri, g in state.groups.items() if g.seed is not None and g.seed.type == "Report" and g.mentions}
    related = set(named)
    for report in state.index.seed.entities:
        if report.type == "Report" and (_ancestors(state, report) & named):
            related.add(report.iri)
    for iri in named:
        ent = state.index.seed.get(iri)
        if ent is not None:
            related |= _ancestors(state, ent)
    return related


def _most_named(state: DocEntities, reports: list[Group]) -> Group:
    """The named report the document is about: most mentions, then the most specific (an edition of another
    named report: "the 2025 AI Index" over "AI Index"), then the first named."""
    iris = {g.iri for g in reports}

    def key(g: Group) -> tuple[int, int, int]:
        edition = g.seed is not None and bool((_ancestors(state, g.seed) - {g.iri}) & iris)
        return (-len(g.mentions), 0 if edition else 1, min(g.mentions)[0])

    return sorted(reports, key=key)[0]


def link_reports(state: DocEntities) -> None:
    refs = find_references(state)
    if not refs:
        return
    words = _document_words(state)
    named = _named_reports(state)
    direct = [g for g in state.groups.values() if g.seed is not None and g.seed.type == "Report" and g.mentions]
    targets: list[tuple[Reference, Group]] = []
    votes: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    minted: Group | None = None
    for ref in refs:
        if not ref.orgs:
            continue
        seed_report = _seed_report(state, ref.orgs, words, named)
        if seed_report is not None:
            group = state.seed_group(seed_report)
        elif ref.definite and minted is not None:
            group = minted  # "the brief, prepared by X" after "a report by Y": the same report, seen again
        else:
            group = state.name_group(f"{ref.orgs[0].name} report")
            group.vote("Report", "shape")
            minted = minted or group
        targets.append((ref, group))
        votes[group.iri] += 1
        first_seen.setdefault(group.iri, ref.start)
    main: Group | None = None
    if votes:
        iri = sorted(votes, key=lambda i: (-votes[i], first_seen[i]))[0]
        main = state.groups[iri]
    elif direct:
        main = _most_named(state, direct)
    else:
        orgs = [g for g in state.groups.values() if g.type in ORG_TYPES and g.mentions]
        seed_report = _seed_report(state, orgs, words, named)
        main = state.seed_group(seed_report) if seed_report is not None else None
    # a bare "the report" means the report introduced last ("a new report by X"; "a study" nobody is named
    # for leaves it unresolved), or the document's main report when none was introduced before it
    resolved = {id(ref): group for ref, group in targets}
    latest: Group | None = None
    introduced = False
    for ref in refs:
        if ref.orgs:
            latest, introduced = resolved.get(id(ref)), True
        elif not ref.definite:
            latest, introduced = None, True
        else:
            target = latest if introduced else main
            if target is not None:
                targets.append((ref, target))
    for ref, group in sorted(targets, key=lambda rg: rg[0].start):
        state.add(group, ref.start, ref.end, "report-reference", claim_tokens=False)
        for k in range(ref.start, ref.end):
            if state.owner[k] is None:
                state.own(k, group)


__all__ = ["Reference", "find_references", "link_reports"]
