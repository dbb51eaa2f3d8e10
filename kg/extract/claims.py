"""Claims: the statements a document makes, with who made them, who reported them, modality and citation.

For each claim candidate (kg/extract/claim_spans.py) in text order:

1. **Attribution** (kg/extract/attribution.py): "according to X", "X said/found/argued/urged ..." (also
   "..., the report says" and "“...,” said X"), "This assessment comes from X" (which also attributes the
   previous sentence when it had no source). "It", "she", "the authors" resolve to the previous source;
   "the report", "the findings" to the report the document is about. A sentence inside a quotation whose
   speaker is named in another sentence of the same quotation gets that speaker; so does a quotation that
   continues right after an attributed quote in the same paragraph. Without any cue in the sentence, the
   credit closing its paragraph ("(South China Morning Post)") is the source.
2. **Reported by**: the credit's news outlet; else the credit of the whole piece (a credit alone on the last
   line); else the document's publisher when it is a known news outlet; else None.
3. **Clauses**: a sentence whose main predicate is coordinated with others ("X are rivaling Y and in some
   cases may have moved ahead") gives one claim per predicate, so each keeps its own modality, unless the
   main predicate is the attribution cue itself ("the report argues A and B" stays whole).
4. **Modality** (kg/extract/modality.py) of the reported clause ("X said [that Y may rise]") or of the
   clause's own predicate: hedged for a hedge on it, a hedging cue ("suggests", "estimated"), a hedging
   phrase or a hedging adjective in it ("a potential turning point"); else negated when that predicate is
   negated; else asserted. A statement both hedged and negated ("may not") counts as hedged, as in the
   annotation guidelines (docs/annotation-guidelines.md). "not just X but Y" is not a negation.
5. **About**: entities mentioned in the claim, except in the attribution phrase and the credit.
6. **Quotation**: the claim quotes at least ``quote_min_words`` words and is attributed or mostly quoted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Token

from kg.extract.attribution import Attributor, Source, SourceResolver, claim_lexicon
from kg.extract.claim_spans import Candidate, Credit, candidates, quoted_tokens
from kg.extract.docview import DocView, doc_view, mention_index
from kg.extract.modality import hedge_cue, lexicon, negation_cue, phrase_hedge
from kg.extract.spans import MentionIndex, is_a
from kg.iris import Iris
from kg.records import Claim, Document, Entity, Modality, Ref
from kg.seed import SeedKB

SPLIT_CC = frozenset({"and", "but", "yet", "while", "whereas", "although", "though", ";", ":"})
CONCESSIVE = frozenset({"though", "although", "whereas"})
WH_MARKS = frozenset({"whether", "if", "why", "how", "when", "where", "what", "who", "which"})
TRIM = frozenset({",", ";", "—", "–", "-", ":"})
NESTED_CLAUSES = frozenset({"relcl", "ccomp", "advcl", "acl", "csubj", "conj", "parataxis"})


@dataclass(frozen=True)
class Part:
    """One claim's tokens (inclusive) and its main predicate."""

    first: int
    last: int
    predicate: Token


def extract_claims(
    doc: Doc, document: Document, entities: Sequence[Entity], iris: Iris, seed: SeedKB, *, offset: int = 0
) -> tuple[Claim, ...]:
    """Claims of ``doc``, the spaCy Doc of the text of ``document`` from ``offset`` on, in text order."""
    view = doc_view(doc, document.text, offset)
    if view is None:
        raise ValueError(f"{document.path}: the spaCy doc does not match the document text at offset {offset}")
    index = mention_index(doc, entities, offset, view.head)
    quoted = quoted_tokens(view)
    found, piece = candidates(doc, view, index, seed, quoted)
    resolver = SourceResolver(index, seed)
    sources = _attribute(doc, view, found, Attributor(resolver, quoted, view), resolver, quoted)
    outlet = _outlet(piece, seed) or publisher_outlet(document, entities, seed)
    claims: list[Claim] = []
    for cand, source in zip(found, sources, strict=True):
        for part in _parts(doc, view, cand, source):
            claims.append(_claim(doc, view, document, iris, index, cand, part, source, quoted, outlet, seed))
    return tuple(claims)


# attribution --------------------------------------------------------------------------------------------


def _attribute(
    doc: Doc,
    view: DocView,
    found: list[Candidate],
    attributor: Attributor,
    resolver: SourceResolver,
    quoted: list[bool],
) -> list[Source | None]:
    sources: list[Source | None] = []
    for pos, cand in enumerate(found):
        prev = sources[-1] if sources else None
        resolver.carried = prev.entity if prev is not None else None  # "It added ...", "She said ..."
        source = attributor.find(cand.first, cand.last, doc)
        if source is not None and source.backward and pos > 0 and sources[-1] is None:
            sources[-1] = replace(source, first=-1, last=-1, kind="backward")
        if source is None and pos > 0:
            source = _continued_quote(view, found, sources, pos, quoted)
        if source is not None and source.entity is not None:
            resolver.remember(source.entity)
        sources.append(source)
    _quote_speakers(found, sources, quoted)
    return sources


def _continued_quote(
    view: DocView, found: list[Candidate], sources: list[Source | None], pos: int, quoted: list[bool]
) -> Source | None:
    """A quotation right after an attributed quotation in the same paragraph continues it."""
    cand, prev, prev_source = found[pos], found[pos - 1], sources[pos - 1]
    if prev_source is None or prev_source.kind not in ("verb", "quote") or prev.paragraph != cand.paragraph:
        return None
    if not (quoted[cand.first] and _quoted_words(view, prev.first, prev.last, quoted) > 0):
        return None
    return replace(prev_source, first=-1, last=-1, kind="quote")


def _quote_speakers(found: list[Candidate], sources: list[Source | None], quoted: list[bool]) -> None:
    """Sentences of one quotation share the speaker named in any of them (outside the quotation)."""
    pos = 0
    while pos < len(found):
        end = pos
        while end + 1 < len(found) and _same_quote(found[end], found[end + 1], quoted):
            end += 1
        if end > pos:
            speaker = next(
                (s for s in sources[pos : end + 1] if s is not None and s.kind == "verb" and s.entity is not None), None
            )
            if speaker is not None:
                for k in range(pos, end + 1):
                    if sources[k] is None:
                        sources[k] = replace(speaker, first=-1, last=-1, kind="quote")
        pos = end + 1


def _same_quote(a: Candidate, b: Candidate, quoted: list[bool]) -> bool:
    """Candidates ``a`` and ``b`` are consecutive and one quotation runs across the boundary between them."""
    return a.paragraph == b.paragraph and b.first > a.last and all(quoted[i] for i in range(a.last, b.first + 1))


def _quoted_words(view: DocView, first: int, last: int, quoted: list[bool]) -> int:
    punct, space = view.punct, view.space
    return sum(1 for i in range(first, last + 1) if quoted[i] and not punct[i] and not space[i])


# outlets and credits ----------------------------------------------------------------------------------


def publisher_outlet(document: Document, entities: Sequence[Entity], seed: SeedKB) -> Ref | None:
    """The document's publisher as a news outlet entity (of the document, else of the seed), or None."""
    if not document.publisher:
        return None
    wanted = document.publisher.casefold().removeprefix("the ")
    for ent in entities:
        names = {n.casefold().removeprefix("the ") for n in (ent.name, *ent.aliases)}
        if is_a(ent.type, ["NewsOutlet"]) and wanted in names:
            return Ref(ent.id, ent.name)
    for known in seed.lookup(document.publisher) or seed.lookup(wanted):
        if known.type == "NewsOutlet":
            return Ref(known.iri, known.label)
    return None


def _credit_ref(credit: Credit | None, seed: SeedKB) -> tuple[Ref | None, str | None]:
    """A credit as (reference, class name)."""
    if credit is None:
        return None, None
    if credit.mention is not None:
        ent = credit.mention.entity
        return Ref(ent.id, ent.name), ent.type
    for known in seed.lookup(credit.text):
        if known.type != "Person":
            return Ref(known.iri, known.label), known.type
    return None, None


def _outlet(credit: Credit | None, seed: SeedKB) -> Ref | None:
    ref, kind = _credit_ref(credit, seed)
    return ref if kind == "NewsOutlet" else None


# clauses and modality ---------------------------------------------------------------------------------


def _root(doc: Doc, view: DocView, first: int, last: int) -> Token:
    """The main predicate of tokens ``first..last``: a verb at the root, else the verb of a clause on a
    nominal root ("a claim that could not be verified"), else the root."""
    found = view.roots(first, last)
    for i in found:
        if view.pos[i] in ("VERB", "AUX"):
            return doc[i]
    roots = [doc[i] for i in found]
    for tok in roots:
        clause = next((c for c in tok.children if c.dep_ in ("relcl", "acl") and first <= c.i <= last), None)
        if clause is not None and clause.pos_ in ("VERB", "AUX"):
            return clause
    return roots[0] if roots else doc[first]


def _content(doc: Doc, view: DocView, pred: Token, first: int, last: int) -> Token:
    """The reported clause of a reporting or finding verb ("found that [they did not reach ...]")."""
    verbs = claim_lexicon().verbs
    dep, lower = view.dep, view.lower
    i = pred.i
    for _ in range(3):
        if view.lemma[i] not in verbs:
            break
        inner = next((c for c in view.children[i] if dep[c] == "ccomp" and first <= c <= last), None)
        if inner is None or any(dep[m] in ("mark", "advmod") and lower[m] in WH_MARKS for m in view.children[inner]):
            break  # "did not say whether ...", "explain why ...": the reporting verb is the predicate
        i = inner
    return pred if i == pred.i else doc[i]


def _split_points(view: DocView, pivot: Token, first: int, last: int, *, reported: bool) -> list[Token]:
    """Predicates that state their own proposition next to ``pivot``: coordinated clauses with their own
    subject or their own modality (an auxiliary or negation of their own: "are rivaling X and may have moved
    ahead"), clauses after ";" or ":", and trailing concessive clauses ("though ..."). Inside reported speech
    ("argued that A and that B") only a change of modality splits."""
    verbs = claim_lexicon().verbs
    found: list[Token] = []
    frontier = [(pivot, reported)]
    if reported:  # the reporting verb's own coordinated clauses count too
        frontier.append((pivot.head, False))
    seen = {pivot.i}
    while frontier:
        cur, inside = frontier.pop()
        for k in view.children[cur.i]:
            if k in seen or view.pos[k] not in ("VERB", "AUX"):
                continue
            c = cur.doc[k]
            if not first < c.left_edge.i <= last:
                continue
            if view.lemma[k] in verbs and (not _has_subject(view, k) or view.dep[k] == "parataxis"):
                continue  # "said A and added B", "A, the authors wrote": one statement
            if c.left_edge.pos_ == "ADP" and c.doc[c.left_edge.i + 1].lower_ in ("which", "whom", "whose"):
                continue  # "..., of which 37 billion are active": a relative clause the parser coordinated
            own_modality = _has_own_markers(view, k) and _local_modality(view, c) != _local_modality(view, pivot)
            if view.dep[k] == "conj" and (own_modality or (_has_subject(view, k) and not inside)):
                seen.add(c.i)
                found.append(c)
                frontier.append((c, inside))
            elif k > pivot.i and _has_subject(view, k) and _own_clause(view, k) and not inside:
                seen.add(c.i)
                found.append(c)
    return sorted(found, key=lambda t: t.left_edge.i)


def _has_own_markers(view: DocView, pred: int) -> bool:
    """Whether a coordinated predicate carries its own auxiliary, negation or adverb (else it shares its
    head's: "may have drawn level with, or even pulled ahead of")."""
    markers = ("never", "longer", "reportedly", "probably", "likely")
    dep, lower = view.dep, view.lower
    return any(
        dep[c] in ("aux", "auxpass", "neg", "nsubj", "nsubjpass") or (dep[c] == "advmod" and lower[c] in markers)
        for c in view.children[pred]
    )


def _own_clause(view: DocView, c: int) -> bool:
    """A clause after ";" / ":" (parataxis) or a concessive one ("though the comparison rests on ...")."""
    if view.dep[c] == "parataxis":
        return True
    return view.dep[c] == "advcl" and any(
        view.dep[m] == "mark" and view.lower[m] in CONCESSIVE for m in view.children[c]
    )


def _parts(doc: Doc, view: DocView, cand: Candidate, source: Source | None) -> list[Part]:
    """The claim's clauses (see ``_split_points``), else the whole candidate. A reporting verb's clauses split
    inside what is reported ("X said A, and B may ...")."""
    root = _root(doc, view, cand.first, cand.last)
    pivot = root
    reporting = source is not None and source.verb is not None and source.verb.i == root.i
    if reporting or root.lemma_.lower() in claim_lexicon().verbs:
        pivot = _content(doc, view, root, cand.first, cand.last)
    end = cand.last
    reported = pivot.i != root.i
    points = [
        p
        for p in _split_points(view, pivot, cand.first, end, reported=reported)
        if p.left_edge.i > pivot.i or not reported
    ]
    parts: list[Part] = []
    starts = [cand.first] + [p.left_edge.i for p in points]
    preds = [root, *points]
    for k, (start, pred) in enumerate(zip(starts, preds, strict=True)):
        stop = starts[k + 1] - 1 if k + 1 < len(starts) else end
        lower = view.lower
        while stop > start and (lower[stop] in SPLIT_CC or lower[stop] in TRIM or view.space[stop]):
            stop -= 1
        while start < stop and (lower[start] in SPLIT_CC or lower[start] in TRIM):
            start += 1
        if sum(1 for i in range(start, stop + 1) if view.alpha[i]) < 3 or not start <= pred.i <= stop:
            return [Part(cand.first, cand.last, root)]
        parts.append(Part(start, stop, pred))
    return parts


def _has_subject(view: DocView, pred: int) -> bool:
    return any(view.dep[c] in ("nsubj", "nsubjpass", "expl", "csubj") for c in view.children[pred])


def _local_modality(view: DocView, pred: Token) -> tuple[bool, bool]:
    """(hedged, negated) for one predicate alone, ignoring its conjuncts."""
    return hedge_cue(view, pred.i, include_conjuncts=False) is not None, negation_cue(view, pred.i) is not None


def _hedging_adjective(view: DocView, pred: int) -> str | None:
    """"a potential turning point": a hedging adjective on a noun the predicate governs (not in sub-clauses)."""
    words = lexicon().hedge_adjectives
    dep, children = view.dep, view.children
    frontier = [c for c in children[pred] if dep[c] not in NESTED_CLAUSES]
    for _ in range(3):
        nxt: list[int] = []
        for tok in frontier:
            if dep[tok] == "amod" and view.lower[tok] in words:
                return view.orth[tok]
            nxt += [c for c in children[tok] if dep[c] not in NESTED_CLAUSES]
        frontier = nxt
    return None


def _modality(
    doc: Doc, view: DocView, part: Part, source: Source | None, whole: bool
) -> tuple[Modality, str | None]:
    lex = claim_lexicon()
    content = _content(doc, view, part.predicate, part.first, part.last)
    if whole and source is not None and source.content is not None and part.first <= source.content.i <= part.last:
        content = _content(doc, view, source.content, part.first, part.last)
    verb = source.verb if source is not None else None
    if verb is None and part.predicate.lemma_.lower() in lex.verbs:
        verb = part.predicate  # an unnamed source: "Analysts cautioned that ..."
    hedge = hedge_cue(view, content.i, include_conjuncts=whole)
    if hedge is None and content.i != part.predicate.i:
        hedge = hedge_cue(view, part.predicate.i, include_conjuncts=False)  # "may explain why ..."
    if hedge is None and verb is not None and verb.lemma_.lower() in lex.hedging:
        hedge = verb.text
    if hedge is None:
        hedge = phrase_hedge(view.tokens_text(doc, part.first, part.last)) or _hedging_adjective(view, content.i)
    if hedge is None and verb is not None and verb.i != content.i:
        hedge = _hedging_adjective(view, verb.i)  # "findings point to a potential turning point"
    if hedge is not None:
        return "hedged", hedge
    directive = verb is not None and verb.lemma_.lower() in lex.directive  # "urged them not to walk away"
    neg = None if directive and verb is not None and content.i != verb.i else negation_cue(view, content.i)
    if neg is None and verb is not None and verb.i != content.i:
        neg = negation_cue(view, verb.i)
    if neg is None and verb is not None and verb.lemma_.lower() in lex.negating:
        neg = verb.text
    if neg is not None:
        return "negated", neg
    return "asserted", None


# records ----------------------------------------------------------------------------------------------


def _claim(
    doc: Doc,
    view: DocView,
    document: Document,
    iris: Iris,
    index: MentionIndex,
    cand: Candidate,
    part: Part,
    source: Source | None,
    quoted: list[bool],
    outlet: Ref | None,
    seed: SeedKB,
) -> Claim:
    start = view.idx[part.first] + view.offset
    end = view.idx[part.last] + view.length[part.last] + view.offset
    credit, credit_type = _credit_ref(cand.credit, seed)
    reported_by = credit if credit is not None and credit_type == "NewsOutlet" else outlet
    attributed: Ref | None = None
    cue: str | None = None
    if source is not None and source.kind != "negated" and cand.kind != "caveat":
        cue = source.cue
        if source.entity is not None:
            attributed = Ref(source.entity.id, source.entity.name)
    elif credit is not None:
        attributed = credit
    whole = part.first == cand.first and part.last == cand.last
    modality, modal_cue = _modality(doc, view, part, source, whole)
    if cue is None:
        cue = modal_cue
    skip_first, skip_last = (source.first, source.last) if source is not None and source.first >= 0 else (-1, -2)
    ranges = [(part.first, part.last)]
    if part.first > cand.first and not _has_subject(view, part.predicate.i):
        # "..., and in some cases may have moved ahead": the shared subject is what this clause is about too
        root = _root(doc, view, cand.first, cand.last)
        ranges += [
            (max(c.left_edge.i, cand.first), min(c.right_edge.i, cand.last))
            for c in root.children
            if c.dep_ in ("nsubj", "nsubjpass")
        ]
    about = sorted(
        {
            loc.entity.id
            for a, b in ranges
            for loc in index.in_range(a, b, nested=True)
            if not (skip_first <= loc.first and loc.last <= skip_last)
        }
    )
    words = _quoted_words(view, part.first, part.last, quoted)
    total = view.words(part.first, part.last)
    min_words = int(claim_lexicon().raw["quote_min_words"])
    attributed_quote = source is not None and source.kind in ("verb", "quote")
    quotation = (words >= min_words and (attributed_quote or 2 * words >= total)) or (0 < total == words)
    return Claim(
        id=iris.claim(document.id, start, end),
        text=document.text[start:end],
        start=start,
        end=end,
        modality=modality,
        attributed_to=attributed,
        reported_by=reported_by,
        cue=cue,
        quotation=quotation,
        about=tuple(about),
        page=document.page_of(start),
    )


__all__ = ["extract_claims", "publisher_outlet"]
