"""Verb frames and nominal frames (kg/patterns/relations.json: ``verb_frames``, ``nominal_frames``).

A *verb frame* names the verbs (by lemma, "take over" with its particle) that express a predicate and which
role fills the subject and the object: "agent" (active subject, passive by-phrase), "patient" (active object,
passive subject, the noun a participle modifies), "theme" (patient if there is one, else agent),
"prep:on|upon" (objects of those prepositions), "npadvmod" ("Hangzhou-based"), "agent-conjunct" ("X and Y
partnered"). A frame may require that another role names an entity of some class (``requires``: "added X to
the Entity List") or that the clause speaks of an evaluation (``requires_context``: "outperforms" needs a
benchmark, a test or a score).

A *nominal frame* does the same for nouns ("U.S. export restrictions on chips to China", "Alibaba's
acquisition of X"): "owner" is the possessor, a named modifier, or the subject of a light verb ("Washington
imposed restrictions"). When the noun itself names a policy ("the October 2022 export controls"), the policy
is the subject and the owner becomes its issuer.

A negated predicate gives no relation; so does a hedged one unless ``keep_hedged`` is set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.tokens import Token

from kg.extract.modality import hedge_cue, negation_cue
from kg.extract.relation_context import Context, Resolved, relation_data
from kg.extract.relation_roles import (
    RELATIVE_PRONOUNS,
    agents,
    grammatical_subjects,
    is_passive,
    patients,
    prep_objects,
)
from kg.extract.spans import Unit, is_a, with_conjuncts
from kg.records import Entity

ROLE_NAMES = frozenset({"agent", "patient", "theme", "npadvmod", "agent-conjunct", "owner"})


@dataclass(frozen=True)
class RoleSpec:
    roles: tuple[str, ...]
    preps: frozenset[str]


def role_spec(spec: str) -> RoleSpec:
    roles: list[str] = []
    preps: set[str] = set()
    for item in spec.split("|"):
        if item.startswith("prep:"):
            roles.append("prep")
            preps.add(item[5:])
        elif item in ROLE_NAMES:
            roles.append(item)
        else:
            preps.add(item)
    return RoleSpec(tuple(roles), frozenset(preps))


@dataclass(frozen=True)
class Frame:
    rule: str
    extra: tuple[str, ...]  # words after the lemma: particle or object ("take over", "join forces")
    predicate: str
    subject: RoleSpec
    object: RoleSpec
    subject_types: tuple[str, ...] | None
    object_types: tuple[str, ...] | None
    confidence: float
    same_root: bool = False
    passive_only: bool = False
    possessor_fallback: bool = False
    requires: tuple[tuple[RoleSpec, tuple[str, ...]], ...] = ()
    requires_context: frozenset[str] = frozenset()
    requires_modifier: frozenset[str] = frozenset()
    pairwise: bool = False


def _opt_types(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _frame(entry: dict[str, Any], words: list[str], raw: dict[str, Any]) -> Frame:
    context = entry.get("requires_context")
    return Frame(
        rule=entry["rule"],
        extra=tuple(words[1:]),
        predicate=entry["predicate"],
        subject=role_spec(entry["subject"]),
        object=role_spec(entry["object"]),
        subject_types=_opt_types(entry.get("subject_types")),
        object_types=_opt_types(entry.get("object_types")),
        confidence=float(entry["confidence"]),
        same_root=bool(entry.get("same_root", False)),
        passive_only=bool(entry.get("passive_only", False)),
        possessor_fallback=bool(entry.get("possessor_fallback", False)),
        requires=tuple((role_spec(k), tuple(v)) for k, v in entry.get("requires", {}).items()),
        requires_context=frozenset(raw[context]) if context else frozenset(),
        requires_modifier=frozenset(entry.get("requires_modifier", ())),
        pairwise=bool(entry.get("pairwise", False)),
    )


@lru_cache(maxsize=1)
def verb_frames() -> dict[str, tuple[Frame, ...]]:
    """Lemma -> the verb frames it can open."""
    raw = relation_data().raw
    table: dict[str, list[Frame]] = {}
    for entry in raw["verb_frames"]:
        for phrase in entry["lemmas"]:
            words = phrase.lower().split()
            table.setdefault(words[0], []).append(_frame(entry, words, raw))
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=1)
def nominal_frames() -> dict[str, tuple[Frame, ...]]:
    raw = relation_data().raw
    table: dict[str, list[Frame]] = {}
    for entry in raw["nominal_frames"]:
        for noun in entry["nouns"]:
            table.setdefault(noun.lower(), []).append(_frame(entry, [noun], raw))
    return {k: tuple(v) for k, v in table.items()}


# roles of verbs -------------------------------------------------------------------------------------------


def role_tokens(v: Token, spec: RoleSpec, subject: Token | None = None) -> list[Token]:
    """Tokens filling ``spec`` for verb ``v``; ``subject`` stands in for a grammatical subject the parser missed."""
    passive = is_passive(v)
    found: list[Token] = []
    for role in spec.roles:
        if role == "agent":
            found += agents(v) + ([subject] if subject is not None and not passive else [])
        elif role == "patient":
            found += patients(v) + ([subject] if subject is not None and passive else [])
        elif role == "theme":
            found += patients(v) or agents(v) or ([subject] if subject is not None else [])
        elif role == "prep":
            found += [obj for _prep, obj in prep_objects(v, spec.preps)]
        elif role == "npadvmod":
            found += [c for c in v.children if c.dep_ in ("npadvmod", "compound") and c.i < v.i]
        elif role == "agent-conjunct":
            found += [c for a in agents(v) for c in with_conjuncts(a)[1:]]
    return found


def subject_by_position(ctx: Context, v: Token) -> Token | None:
    """A mention right before a main verb (and its auxiliaries) that has no subject in the parse.

    The small parser reads a name like "Beyond DeepSeek" as a prepositional phrase and leaves
    "... was produced by X" without a subject; the name just before the verb group is the subject then.
    """
    if v.i >= 2 and ctx.lowers[v.i - 1] in HYPHENS and ctx.lowers[v.i - 2] in ("co", "re"):
        # "who also co-founded X": the tokenizer splits "co-founded" and the parser makes "co" the verb
        prefix_subjects = grammatical_subjects(ctx.doc[v.i - 2])
        if prefix_subjects:
            subj = prefix_subjects[0]
            if subj.lower_ in RELATIVE_PRONOUNS and subj.i >= 2 and ctx.doc[subj.i - 1].text == ",":
                return ctx.doc[subj.i - 2]  # "Liang Wenfeng, who ... co-founded": the name before ", who"
            return subj
    crossed = not ctx.same_unit(v.head, v)  # a parse run across a blank line: the verb's role is unknown
    if v.dep_ not in ("ROOT", "ccomp", "conj") and not crossed:
        return None
    subjects = grammatical_subjects(v)
    if (subjects or crossed) and not any(ctx.same_unit(s, v) for s in subjects):
        return _opening_name(ctx, v)
    if subjects:
        return _fronted_name(ctx, v, subjects)
    deps = ("aux", "auxpass", "neg", "advmod", "compound")
    first = min([v.i] + [c.i for c in v.children if c.dep_ in deps and c.i < v.i and ctx.index.at(c.i) is None])
    loc = ctx.index.at(first - 1)
    if loc is None or not ctx.same_unit(v, ctx.doc[first - 1]):
        return None
    return ctx.doc[loc.last]


def modality_factor(ctx: Context, v: Token, unit: Unit) -> float | None:
    """None when ``v`` is negated or (unless ``keep_hedged``) hedged; else the confidence factor."""
    if negation_cue(ctx.view, v.i) is not None:
        return None
    hedged = hedge_cue(ctx.view, v.i, include_conjuncts=False) is not None or ctx.unit_hedged(unit)
    if not hedged:
        return 1.0
    return ctx.data.hedge_factor if ctx.data.keep_hedged else None


def resolve_all(ctx: Context, toks: Iterable[Token], *, expand: bool = True) -> list[Resolved]:
    """Entities named by ``toks`` (and their conjuncts and examples), each in the same unit as its token."""
    found = []
    for tok in toks:
        for t in with_conjuncts(tok) if expand else [tok]:
            if ctx.same_unit(t, tok):
                found += ctx.resolve_many(t, pronouns=True)
    return found


def emit(ctx: Context, frame: Frame, subj: Resolved, obj: Resolved, cue: list[int], unit: Unit, factor: float) -> None:
    if not ctx.admit(subj.entity, frame.predicate, obj.entity, frame.subject_types, frame.object_types,
                     same_root=frame.same_root):
        return
    first = max(unit.first, min(subj.first, obj.first, *cue))
    last = min(unit.last, max(subj.last, obj.last, *cue))
    confidence = frame.confidence * factor * subj.factor * obj.factor
    ctx.add(subj.entity, frame.predicate, obj.entity, first, last, frame.rule, confidence)


def _extra_matches(v: Token, extra: tuple[str, ...]) -> bool:
    if not extra:
        return True
    kids = {c.lower_ for c in v.children if c.dep_ in ("prt", "dobj", "advmod", "prep")}
    return all(word in kids for word in extra)


def _in_unit(toks: list[Token], unit: Unit) -> list[Token]:
    return [t for t in toks if unit.first <= t.i <= unit.last]


def _context_ok(ctx: Context, frame: Frame, v: Token, unit: Unit) -> bool:
    """"Outperforms" needs an evaluation in the clause: a benchmark named, or words like "benchmark", "test"."""
    if not frame.requires_context:
        return True
    for tok in ctx.doc[unit.first : unit.last + 1]:
        if tok.lower_ in frame.requires_context or tok.lemma_.lower() in frame.requires_context:
            return True
        loc = ctx.index.at(tok.i)
        if loc is not None and is_a(loc.type, ["Benchmark"]):
            return True
    return False


def _requirements_met(ctx: Context, frame: Frame, v: Token, unit: Unit, stand_in: Token | None) -> bool:
    for spec, types in frame.requires:
        named = resolve_all(ctx, _in_unit(role_tokens(v, spec, stand_in), unit))
        if not any(is_a(r.entity.type, types) for r in named):
            return False
    return True


def _model_of(ctx: Context, org: Resolved, before: int) -> Resolved | None:
    """The model this document says ``org`` developed, nearest before token ``before`` ("its latest release")."""
    latest = ctx.last_with_object_before("developedBy", org.entity, before)
    if latest is None:
        return None
    return Resolved(latest.subject, org.first, org.last, org.factor)


HYPHENS = frozenset({"-", "\u2010", "\u2011"})
NEW_WORDS = frozenset({"new", "newest", "latest", "next", "upcoming"})


def _version_of(ctx: Context, family: Entity, after: int) -> Entity | None:
    """The version of model ``family`` the document names: the only one, else the first named after token
    ``after``."""
    versions = [loc for loc in ctx.index.mentions if loc.entity.family == family.id]
    if len({loc.entity.id for loc in versions}) == 1:
        return versions[0].entity
    later = [loc for loc in versions if loc.first > after]
    return later[0].entity if later else None


def _mistagged_verb(ctx: Context, v: Token, unit: Unit) -> bool:
    """A verb the tagger took for a noun at the root of a verbless sentence ("Baidu competes with ...",
    "they work on ...")."""
    if v.dep_ != "ROOT":
        return False
    if any(c.dep_ == "nsubj" for c in v.children):
        return True
    return not any(t.pos_ in ("VERB", "AUX") for t in ctx.doc[unit.first : unit.last + 1])


def _opening_name(ctx: Context, v: Token) -> Token | None:
    """"Baidu opens ERNIE 4.5\n\nBaidu on Monday released ...": the parser ran the headline into the sentence
    and gave the verb the headline's subject; the last name before the verb, with no verb or comma between,
    is the subject then."""
    unit = ctx.unit_of(v)
    before = ctx.index.in_range(unit.first, v.i - 1) if unit is not None else []
    if not before:
        return None
    name = before[-1]
    between = ctx.doc[name.last + 1 : v.i]
    if any((t.pos_ in ("VERB", "AUX") and t.dep_ not in ("aux", "auxpass")) or t.text in ",;:" for t in between):
        return None
    return ctx.doc[name.last]


def _fronted_name(ctx: Context, v: Token, subjects: list[Token]) -> Token | None:
    """"Baidu, long a defender of closed models, opened ...": the parser took the apposition for the subject
    and hung the name on the verb; the name before the comma is the subject then."""
    subj = subjects[0]
    if len(subjects) > 1 or ctx.index.at(subj.i) is not None or subj.lower_ in RELATIVE_PRONOUNS:
        return None
    start = subj.left_edge.i
    loc = ctx.index.at(start - 2) if start >= 2 and ctx.doc[start - 1].text == "," else None
    if loc is None or loc.last != start - 2:
        return None
    head = ctx.index.head_of(loc).head
    # hung on the verb, or on a headline the parser ran into this sentence
    if (head.i == v.i and ctx.index.head_of(loc).dep_ in ("advmod", "npadvmod", "dep", "nmod")) or not (
        ctx.same_unit(head, v)
    ):
        return ctx.doc[loc.last]
    return None


def verb_relations(ctx: Context, unit: Unit) -> None:
    table = verb_frames()
    for i in range(unit.first, unit.last + 1):
        if ctx.lemmas[i] not in table:
            continue
        v = ctx.doc[i]
        verbal = v.pos_ in ("VERB", "AUX") or v.tag_ in ("VBN", "VBD", "VBG", "VBZ", "VBP", "VB")
        if not verbal and not _mistagged_verb(ctx, v, unit):
            continue
        frames = table.get(v.lemma_.lower())
        if not frames:
            continue
        factor: float | None = -1.0
        stand_in: Token | None = None
        placed = False
        for frame in frames:
            if not _extra_matches(v, frame.extra) or (frame.passive_only and not is_passive(v)):
                continue
            if not placed:  # once per verb, whatever the number of frames
                stand_in, placed = subject_by_position(ctx, v), True
            if not _context_ok(ctx, frame, v, unit) or not _requirements_met(ctx, frame, v, unit, stand_in):
                continue
            subj_toks = _in_unit(role_tokens(v, frame.subject, stand_in), unit)
            obj_toks = _in_unit(role_tokens(v, frame.object, stand_in), unit)
            expand = frame.object.roles != ("agent-conjunct",)
            objects = resolve_all(ctx, obj_toks, expand=expand)
            if not objects:
                continue
            subjects = resolve_all(ctx, subj_toks, expand=expand)
            if not subjects and frame.possessor_fallback:
                subjects = _possessor_fallback(ctx, subj_toks, v)
            if not subjects:
                continue
            if factor == -1.0:  # the verb's modality, once: only for a frame that found both roles
                factor = modality_factor(ctx, v, unit)
            if factor is None:
                break  # negated (or hedged): this verb gives no relation
            preps = [p.i for p, _o in prep_objects(v, frame.object.preps | frame.subject.preps)]
            for subj in subjects:
                for obj in objects:
                    emit(ctx, frame, subj, obj, [v.i, *preps], unit, factor)


def _possessor_fallback(ctx: Context, toks: list[Token], v: Token) -> list[Resolved]:
    """"Singapore's programme built on Qwen", "AI Singapore built its latest release on Qwen": the owner's model
    (a model the document says the owner developed), else the owner itself."""
    found = []
    for t in toks:
        for p in t.children:
            if p.dep_ != "poss":
                continue
            owner = ctx.resolve(p)
            if owner is None and p.lower_ in ("its", "their"):
                owner = ctx.possessive_pronoun(p, ["Organization", "Place"])
            if owner is None:
                continue
            model = _model_of(ctx, owner, v.i) if is_a(owner.entity.type, ["Organization"]) else None
            if model is not None and any(c.dep_ == "amod" and c.lower_ in NEW_WORDS for c in t.children):
                version = _version_of(ctx, model.entity, v.i)  # "its newest model": the family's new version
                model = Resolved(version, model.first, model.last, model.factor) if version else model
            chosen = model or owner
            found.append(Resolved(chosen.entity, chosen.first, chosen.last, chosen.factor * ctx.data.resolution_factor))
    return found


__all__ = [
    "Frame",
    "RoleSpec",
    "emit",
    "modality_factor",
    "nominal_frames",
    "resolve_all",
    "role_spec",
    "role_tokens",
    "verb_frames",
    "verb_relations",
]
