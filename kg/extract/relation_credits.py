"""Rules for credits and pronoun appositions that the parse alone gets wrong.

* **Credit lines** (``credit_relations``): a fragment such as "A joint publication of the DigiChina Project at
  CISAC and Stanford HAI." or "A report by Jane Park and the Lion City Policy Lab." credits the document's
  report (its most mentioned Report) to each name coordinated after "of"/"by"/"from": publishedBy an
  organisation, authoredBy a person. Names introduced by "at", "in", "under", "'s" describe the one before and
  are not credited. "joint", or two or more organisations, also gives collaboratesWith between them.
* **Author sections** (``author_section_relations``): under a heading "About the Author(s)" / "Authors" /
  "Contributors", every person who is the subject of a sentence ("Graham Webster leads the DigiChina
  Project.") is an author of the document's report, up to the next heading.
* **Bare titles** (``bare_title_relations``): "Chief executive Sam Altman said ... OpenAI": a company title
  with no organisation of its own, at the organisation the document is about (see the function).
* **Pronoun appositions** (``pronoun_apposition_relations``): "Zhipu AI and MiniMax, two of its competitors",
  "Robin Li, its chief executive," — a role noun owned by "its"/"their" in apposition to the names before the
  comma: the role (kg/patterns/relations.json ``role_classes``) holds between those names and what the
  pronoun refers to (the clause's subject, else the previous sentence's).
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Token

from kg.extract.relation_context import Context, Resolved, relation_data
from kg.extract.relation_frames import modality_factor
from kg.extract.relation_nouns import role_index, roles_for
from kg.extract.spans import Located, Unit, is_a
from kg.records import Entity

CREDIT_PREPS = {"publication": ("of", "by", "from")}
QUANTITIES = frozenset(
    {"one", "two", "three", "four", "five", "six", "both", "all", "each", "some", "several", "many", "most"}
)
# words after a credited name that open a description of it rather than the next credited name
DESCRIBING = frozenset({"at", "in", "under", "within", "inside", "of", "'s", "’s", "part", "housed", "based"})
COMMA_GAP = re.compile(r"\s*,\s*")
AUTHOR_HEADING = re.compile(r"(?:about\s+the\s+)?(?:authors?|contributors?)(?:\s+and\s+\w+)?", re.IGNORECASE)
CREDIT_CONFIDENCE = 0.75
AUTHOR_SECTION_CONFIDENCE = 0.7
MAIN_TYPES = ("Company", "Lab", "ResearchCenter", "ThinkTank")


@lru_cache(maxsize=1)
def _credit_nouns() -> dict[str, tuple[str, ...]]:
    """Head noun of a credit line -> the prepositions that introduce its makers."""
    nouns = {n: ("by", "from") for n in relation_data().report_nouns if " " not in n}
    return {**nouns, **CREDIT_PREPS}


def credit_relations(ctx: Context, unit: Unit) -> None:
    """"A joint publication of X at Y and Z." -> the document's report publishedBy X and Z."""
    root = ctx.doc[unit.first]
    while root.head.i != root.i and ctx.same_unit(root.head, root):
        root = root.head
    preps = _credit_nouns().get(root.lemma_.lower())
    if preps is None or root.pos_ != "NOUN" or ctx.index.at(root.i) is not None:
        return
    if not any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in root.children):
        return
    prep = next((c for c in root.children if c.dep_ == "prep" and c.lower_ in preps), None)
    report = ctx.index.salient("Report")
    if prep is None or report is None:
        return
    credited = _credited(ctx, prep.i + 1, unit.last)
    orgs = [loc for loc in credited if is_a(loc.type, ["Organization"])]
    for loc in credited:
        predicate = "authoredBy" if is_a(loc.type, ["Person"]) else "publishedBy"
        if ctx.admit(report, predicate, loc.entity):
            ctx.add(report, predicate, loc.entity, root.i, loc.last, "credit-line", CREDIT_CONFIDENCE)
    joint = any(c.dep_ == "amod" and c.lower_ in ("joint", "collaborative") for c in root.children)
    if joint or len(orgs) > 1:
        for k, a in enumerate(orgs):
            for b in orgs[k + 1 :]:
                if ctx.admit(a.entity, "collaboratesWith", b.entity):
                    ctx.add(a.entity, "collaboratesWith", b.entity, root.i, b.last, "joint-credit", CREDIT_CONFIDENCE)


def _credited(ctx: Context, first: int, last: int) -> list[Located]:
    """The names coordinated from token ``first`` on, skipping the ones that describe the name before them."""
    credited: list[Located] = []
    expecting = True
    i = first
    while i <= last:
        loc = ctx.index.at(i)
        if loc is not None:
            top = next((m for m in ctx.index.in_range(loc.first, last) if m.first <= i <= m.last), loc)
            if expecting and top.entity.id not in {c.entity.id for c in credited}:
                credited.append(top)
            expecting = False
            i = top.last + 1
            continue
        word = ctx.lowers[i]
        if word in ("and", ",", "&"):
            expecting = True
        elif word in DESCRIBING:
            expecting = False
        i += 1
    return credited


def author_section_relations(ctx: Context) -> None:
    """Persons who are sentence subjects under an "About the Authors" heading wrote the document's report."""
    report = ctx.index.salient("Report")
    if report is None:
        return
    inside = False
    for unit in ctx.units:
        if _is_heading(ctx, unit):
            inside = AUTHOR_HEADING.fullmatch(ctx.unit_text(unit).strip(" :.")) is not None
            continue
        if not inside:
            continue
        for loc in ctx.index.in_range(unit.first, unit.last):
            if not is_a(loc.type, ["Person"]):
                continue
            head = ctx.index.head_of(loc)
            while head.dep_ == "conj" and ctx.same_unit(head.head, head):
                head = head.head
            if head.dep_ in ("nsubj", "nsubjpass") and ctx.admit(report, "authoredBy", loc.entity):
                ctx.add(report, "authoredBy", loc.entity, loc.first, unit.last, "author-section",
                        AUTHOR_SECTION_CONFIDENCE)


def _is_heading(ctx: Context, unit: Unit) -> bool:
    """A short line of its own without final punctuation."""
    last = ctx.doc[unit.last]
    return unit.last - unit.first < 8 and not (last.is_punct and last.text in ".!?:;\"”")


def pronoun_apposition_relations(ctx: Context, unit: Unit) -> None:
    """"Zhipu AI and MiniMax, two of its competitors": rivals of what "its" refers to."""
    pronouns = ctx.data.raw["possessive_pronouns"]
    index = role_index()
    for i in range(unit.first, unit.last + 1):
        if ctx.lowers[i] not in pronouns or ctx.lowers[i] == "whose":
            continue
        tok = ctx.doc[i]
        noun = tok.head
        if tok.dep_ != "poss" or noun.i <= tok.i or ctx.index.at(noun.i) is not None:
            continue
        roles = roles_for(ctx, index, noun)
        if not roles:
            continue
        np_first, plural = _apposition_start(noun)
        holders = _holders_before(ctx, unit, np_first, plural or noun.tag_ == "NNS")
        if not holders:
            continue
        verb = next((a for a in noun.ancestors if a.pos_ in ("VERB", "AUX")), None)
        factor = modality_factor(ctx, verb, unit) if verb is not None else 1.0
        if factor is None:
            continue
        for role in roles:
            anchor = ctx.possessive_pronoun(tok, list(role.anchor))
            if anchor is None:
                continue
            for holder in holders:
                if not is_a(holder.type, role.holder) or not is_a(anchor.entity.type, role.anchor):
                    continue
                _add_role(ctx, role.predicate, role.subject_is_holder, role.same_root, holder, anchor, noun, unit,
                          role.confidence * factor, f"pronoun-apposition-{role.name}")


def _apposition_start(noun: Token) -> tuple[int, bool]:
    """First token of the appositive phrase a role noun heads ("two of its competitors": "two"), and whether
    a quantity makes it plural."""
    first = min(t.i for t in noun.lefts) if any(True for _ in noun.lefts) else noun.i
    if noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.lower_ in QUANTITIES:
        quantity = noun.head.head
        return min(quantity.i, first), quantity.lower_ != "one"
    return first, False


def _holders_before(ctx: Context, unit: Unit, np_first: int, plural: bool) -> list[Located]:
    """The name right before ", <np>" and, for a plural phrase, the names coordinated with it."""
    before = ctx.index.in_range(unit.first, np_first - 1)
    if not before:
        return []
    last = before[-1]
    gap = ctx.text[ctx.view.idx[last.last] + ctx.view.length[last.last] : ctx.view.idx[np_first]]
    if not COMMA_GAP.fullmatch(gap):
        return []
    holders = [last]
    if plural:
        for prev in reversed(before[:-1]):
            cur = holders[-1]
            between = ctx.text[ctx.view.idx[prev.last] + ctx.view.length[prev.last] : ctx.view.idx[cur.first]]
            if between.strip() not in ("and", ",", ", and", "or") or prev.type != cur.type:
                break
            holders.append(prev)
    return holders


def _add_role(
    ctx: Context, predicate: str, holder_is_subject: bool, same_root: bool, holder: Located, anchor: Resolved,
    noun: Token, unit: Unit, confidence: float, rule: str,
) -> None:
    subj, obj = (holder.entity, anchor.entity) if holder_is_subject else (anchor.entity, holder.entity)
    if ctx.admit(subj, predicate, obj, same_root=same_root):
        first = max(unit.first, min(holder.first, anchor.first, noun.i))
        last = min(unit.last, max(holder.last, anchor.last, noun.i))
        ctx.add(subj, predicate, obj, first, last, rule, confidence * anchor.factor)


def bare_title_relations(ctx: Context, unit: Unit) -> None:
    """"Chief executive Sam Altman said ... that OpenAI had been ...": a company title (``bare_titles``) in
    front of a name, with no organisation of its own, is a title at the organisation the document is about
    (its most mentioned company, lab or centre), when that organisation is named in the same sentence and
    nothing else in the document gives the person a post."""
    org = _main_organisation(ctx)
    if org is None or not any(loc.entity.id == org.id for loc in ctx.index.in_range(unit.first, unit.last)):
        return
    titles = ctx.data.bare_titles
    index = role_index()
    for loc in ctx.index.in_range(unit.first, unit.last):
        if not is_a(loc.type, ["Person"]) or _has_post(ctx, loc):
            continue
        head = ctx.index.head_of(loc)
        for r in head.children:
            if r.dep_ != "compound" or r.i >= loc.first:
                continue
            words = ctx.doc[r.left_edge.i : r.i + 1]
            phrase = " ".join(t.lower_ for t in words)
            if phrase not in titles or any(ctx.index.at(t.i) is not None for t in words):
                continue
            for role in roles_for(ctx, index, r):
                if role.subject_is_holder and ctx.admit(loc.entity, role.predicate, org):
                    ctx.add(loc.entity, role.predicate, org, r.left_edge.i, loc.last, f"bare-title-{role.name}",
                            role.confidence * ctx.data.resolution_factor)
                    break


def _main_organisation(ctx: Context) -> Entity | None:
    """The company, lab or centre the document mentions most (at least twice)."""
    best: Entity | None = None
    for type_name in MAIN_TYPES:
        ent = ctx.index.salient(type_name)
        count = ctx.index.counts[ent.id] if ent is not None else 0
        if count >= 2 and (best is None or count > ctx.index.counts[best.id]):
            best = ent
    return best


def _has_post(ctx: Context, person: Located) -> bool:
    return ctx.has_found(person.entity, ("leads", "worksFor"))


__all__ = [
    "author_section_relations",
    "bare_title_relations",
    "credit_relations",
    "pronoun_apposition_relations",
]
