"""Dependency rules: verb frames, nominal frames, possessives, collaboration phrases, report references.

A *verb frame* names the verbs (by lemma) that express a predicate and which syntactic role fills the subject
and the object: "agent" (active subject, passive by-phrase), "patient" (active object, passive subject,
the noun a participle modifies), "theme" (patient if there is one, else agent), "prep:on|upon" (objects of
those prepositions), "npadvmod" ("Hangzhou-based"), "agent-conjunct" ("X and Y partnered"). Relative
pronouns resolve to their antecedent, "it" to the previous sentence's subject, "the report" to the
document's report. A negated predicate gives no relation; a hedged one keeps a lower confidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.tokens import Token

from kg.extract.modality import hedge_cue, negation_cue, phrase_hedge
from kg.extract.relation_context import RELATIVE_PRONOUNS, Context, Resolved, relation_data
from kg.extract.spans import Located, Unit, is_a, with_conjuncts

ROLE_NAMES = frozenset({"agent", "patient", "theme", "npadvmod", "agent-conjunct", "owner"})


@dataclass(frozen=True)
class RoleSpec:
    roles: tuple[str, ...]
    preps: frozenset[str]


def _role_spec(spec: str) -> RoleSpec:
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


def _opt_types(value: Any) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _frame(entry: dict[str, Any], words: list[str]) -> Frame:
    return Frame(
        rule=entry["rule"],
        extra=tuple(words[1:]),
        predicate=entry["predicate"],
        subject=_role_spec(entry["subject"]),
        object=_role_spec(entry["object"]),
        subject_types=_opt_types(entry.get("subject_types")),
        object_types=_opt_types(entry.get("object_types")),
        confidence=float(entry["confidence"]),
        same_root=bool(entry.get("same_root", False)),
        passive_only=bool(entry.get("passive_only", False)),
        possessor_fallback=bool(entry.get("possessor_fallback", False)),
    )


@lru_cache(maxsize=1)
def verb_frames() -> dict[str, tuple[Frame, ...]]:
    """Lemma -> the verb frames it can open."""
    table: dict[str, list[Frame]] = {}
    for entry in relation_data().raw["verb_frames"]:
        for phrase in entry["lemmas"]:
            words = phrase.lower().split()
            table.setdefault(words[0], []).append(_frame(entry, words))
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=1)
def nominal_frames() -> dict[str, tuple[Frame, ...]]:
    table: dict[str, list[Frame]] = {}
    for entry in relation_data().raw["nominal_frames"]:
        for noun in entry["nouns"]:
            table.setdefault(noun.lower(), []).append(_frame(entry, [noun]))
    return {k: tuple(v) for k, v in table.items()}


# roles -----------------------------------------------------------------------------------------


def _relative_antecedent(tok: Token) -> Token:
    """"which"/"that"/"who" -> the noun its relative clause modifies (else the token itself)."""
    if tok.lower_ not in RELATIVE_PRONOUNS:
        return tok
    cur = tok.head
    for _ in range(3):
        if cur.dep_ == "relcl":
            return cur.head
        if cur.head is cur:
            break
        cur = cur.head
    return tok


def _is_passive(v: Token) -> bool:
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in v.children):
        return True
    if v.tag_ == "VBN" and v.dep_ in ("acl", "amod"):
        return True
    return v.tag_ == "VBN" and v.dep_ in ("acomp", "xcomp", "attr") and v.head.lemma_ == "be"


def agents(v: Token) -> list[Token]:
    if _is_passive(v):
        return [p for c in v.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"] + [
            c for c in v.children if c.dep_ in ("npadvmod", "compound") and c.i < v.i and v.dep_ == "amod"
        ]
    found = [_relative_antecedent(c) for c in v.children if c.dep_ == "nsubj"]
    if found:
        return found
    if v.dep_ == "acl" and v.tag_ == "VBG":
        return [v.head]
    if v.dep_ in ("conj", "xcomp") and v.head is not v and v.head.pos_ in ("VERB", "AUX"):
        return agents(v.head)
    return []


def patients(v: Token) -> list[Token]:
    if _is_passive(v):
        subj = [_relative_antecedent(c) for c in v.children if c.dep_ == "nsubjpass"]
        if subj:
            return subj
        if v.dep_ in ("acl", "amod"):
            return [v.head]
        if v.head.lemma_ == "be":
            return [_relative_antecedent(c) for c in v.head.children if c.dep_ in ("nsubj", "nsubjpass")]
        return []
    found = [_relative_antecedent(c) for c in v.children if c.dep_ == "dobj"]
    named_subject = any(c.dep_ == "nsubj" and c.lower_ not in RELATIVE_PRONOUNS for c in v.children)
    if not found and v.dep_ == "relcl" and named_subject:
        found = [v.head]  # "the model DeepSeek released"
    return found


def prep_objects(v: Token, preps: frozenset[str]) -> list[tuple[Token, Token]]:
    """(preposition, object) pairs for the given prepositions on ``v`` ("built on top of Qwen" -> Qwen)."""
    found = []
    for c in v.children:
        if c.dep_ not in ("prep", "agent", "dative") or c.lower_ not in preps:
            continue
        for obj in c.children:
            if obj.dep_ != "pobj":
                continue
            if obj.lemma_ == "top":
                obj = next((p for o in obj.children if o.lower_ == "of" for p in o.children if p.dep_ == "pobj"), obj)
            found.append((c, obj))
    return found


def role_tokens(v: Token, spec: RoleSpec, subject: Token | None = None) -> list[Token]:
    """Tokens filling ``spec`` for verb ``v``; ``subject`` stands in for a grammatical subject the parser missed."""
    passive = _is_passive(v)
    found: list[Token] = []
    for role in spec.roles:
        if role == "agent":
            found += agents(v) or ([subject] if subject is not None and not passive else [])
        elif role == "patient":
            found += patients(v) or ([subject] if subject is not None and passive else [])
        elif role == "theme":
            found += patients(v) or agents(v) or ([subject] if subject is not None else [])
        elif role == "prep":
            found += [obj for _prep, obj in prep_objects(v, spec.preps)]
        elif role == "npadvmod":
            found += [c for c in v.children if c.dep_ in ("npadvmod", "compound") and c.i < v.i]
        elif role == "agent-conjunct":
            found += [c for a in agents(v) for c in with_conjuncts(a)[1:]]
    return found


# applying frames -------------------------------------------------------------------------------


def _modality_factor(ctx: Context, v: Token, unit: Unit) -> float | None:
    """None when ``v`` is negated; else the confidence factor (hedged: ``hedge_factor``)."""
    if negation_cue(v) is not None:
        return None
    hedged = hedge_cue(v, include_conjuncts=False) is not None
    if not hedged:
        hedged = phrase_hedge(ctx.doc[unit.first : unit.last + 1].text) is not None
    return ctx.data.hedge_factor if hedged else 1.0


def _resolve_all(ctx: Context, toks: Iterable[Token], *, expand: bool = True) -> list[Resolved]:
    """Entities named by ``toks`` (and their conjuncts), each in the same sentence unit as its token."""
    found = []
    for tok in toks:
        for t in with_conjuncts(tok) if expand else [tok]:
            if not ctx.same_unit(t, tok):
                continue
            res = ctx.resolve(t, pronouns=True)
            if res is not None:
                found.append(res)
    return found


def _emit(
    ctx: Context, frame: Frame, subj: Resolved, obj: Resolved, cue: list[int], unit: Unit, factor: float
) -> None:
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


def _subject_by_position(ctx: Context, v: Token) -> Token | None:
    """A mention right before a main verb (and its auxiliaries) that has no subject in the parse.

    The small parser reads a name like "Beyond DeepSeek" as a prepositional phrase and leaves
    "... was produced by X" without a subject; the name just before the verb group is the subject then.
    """
    if v.dep_ not in ("ROOT", "ccomp", "conj") or any(c.dep_ in ("nsubj", "nsubjpass", "csubj") for c in v.children):
        return None
    first = min([v.i] + [c.i for c in v.children if c.dep_ in ("aux", "auxpass", "neg", "advmod") and c.i < v.i])
    loc = ctx.index.at(first - 1)
    if loc is None or not ctx.same_unit(v, ctx.doc[first - 1]):
        return None
    return ctx.doc[loc.last]


def verb_relations(ctx: Context, unit: Unit) -> None:
    table = verb_frames()
    for i in range(unit.first, unit.last + 1):
        v = ctx.doc[i]
        if v.pos_ not in ("VERB", "AUX") and v.tag_ not in ("VBN", "VBD", "VBG", "VBZ", "VBP", "VB"):
            continue
        frames = table.get(v.lemma_.lower())
        if not frames:
            continue
        factor: float | None = -1.0
        for frame in frames:
            if not _extra_matches(v, frame.extra) or (frame.passive_only and not _is_passive(v)):
                continue
            if factor == -1.0:
                factor = _modality_factor(ctx, v, unit)
            if factor is None:
                break  # negated: this verb gives no relation
            stand_in = _subject_by_position(ctx, v)
            subj_toks = [t for t in role_tokens(v, frame.subject, stand_in) if unit.first <= t.i <= unit.last]
            obj_toks = [t for t in role_tokens(v, frame.object, stand_in) if unit.first <= t.i <= unit.last]
            subjects = _resolve_all(ctx, subj_toks, expand=frame.object.roles != ("agent-conjunct",))
            if not subjects and frame.possessor_fallback:
                subjects = [
                    Resolved(r.entity, r.first, r.last, r.factor * ctx.data.resolution_factor)
                    for t in subj_toks for p in t.children if p.dep_ == "poss"
                    if (r := ctx.resolve(p)) is not None
                ]
            objects = _resolve_all(ctx, obj_toks, expand=frame.object.roles != ("agent-conjunct",))
            preps = [p.i for p, _o in prep_objects(v, frame.object.preps | frame.subject.preps)]
            for subj in subjects:
                for obj in objects:
                    _emit(ctx, frame, subj, obj, [v.i, *preps], unit, factor)


def nominal_relations(ctx: Context, unit: Unit) -> None:
    table = nominal_frames()
    light = frozenset(relation_data().raw["light_verbs"])
    for i in range(unit.first, unit.last + 1):
        n = ctx.doc[i]
        frames = table.get(n.lemma_.lower()) if n.pos_ in ("NOUN", "PROPN") else None
        if not frames or any(c.dep_ == "det" and c.lower_ in ("no", "neither") for c in n.children):
            continue
        governor = n.head if n.head.lemma_.lower() in light and n.dep_ in ("dobj", "nsubjpass") else None
        factor = 1.0
        if governor is not None:
            gov_factor = _modality_factor(ctx, governor, unit)
            if gov_factor is None:
                continue
            factor = gov_factor
        for frame in frames:
            subjects = _nominal_role(ctx, n, governor, frame.subject)
            objects = _nominal_role(ctx, n, governor, frame.object)
            if "between" in frame.object.preps and not subjects and len(objects) > 1:
                subjects, objects = objects[:1], objects[1:]
            cue = [n.i] + ([governor.i] if governor is not None else [])
            for subj in subjects:
                for obj in objects:
                    _emit(ctx, frame, subj, obj, cue, unit, factor)


def _nominal_role(ctx: Context, n: Token, governor: Token | None, spec: RoleSpec) -> list[Resolved]:
    toks: list[Token] = []
    found: list[Resolved] = []
    for role in spec.roles:
        if role == "owner":
            owners = [c for c in n.children if c.dep_ in ("poss", "compound", "amod", "nmod") and c.i < n.i]
            named = _resolve_all(ctx, owners)
            if named:
                found += named
            elif governor is not None and n.dep_ == "dobj":
                toks += agents(governor)
        elif role == "prep":
            for host in (n, governor):
                if host is None:
                    continue
                for _prep, obj in prep_objects(host, spec.preps):
                    toks.append(obj)
                    if ctx.index.at(obj.i) is None:  # "restrictions on chips to China"
                        toks += [o for _p, o in prep_objects(obj, spec.preps)]
    return found + _resolve_all(ctx, toks)


def possessive_relations(ctx: Context, unit: Unit) -> None:
    """"Alibaba's Qwen", "Stanford University's DigiChina Project", "the university's Center for ..."."""
    mentions = ctx.index.in_range(unit.first, unit.last, nested=True)
    nouns = ctx.data.generic_nouns | ctx.data.report_nouns
    for pos, loc in enumerate(mentions):
        heads = [ctx.index.head_of(loc)]
        if heads[0].dep_ == "compound" and heads[0].head.lemma_.lower() in nouns:
            heads.append(heads[0].head)
        owners: list[Resolved] = []
        for tok in [*heads, *(ctx.doc[j] for j in range(loc.first, loc.last + 1))]:
            for p in tok.children:
                if p.dep_ != "poss":
                    continue
                named = ctx.index.at(p.i)
                if named is not None:
                    if named.entity.id != loc.entity.id:
                        owners.append(Resolved(named.entity, named.first, named.last))
                elif not loc.first <= p.i <= loc.last and any(d.lower_ == "the" for d in p.children):
                    ante = ctx.antecedent(p, p.i)
                    if ante is not None:
                        owners.append(Resolved(ante.entity, p.i, p.i, ctx.data.resolution_factor))
        if pos > 0 and not owners and mentions[pos - 1].last < loc.first:
            prev = mentions[pos - 1]
            between = ctx.doc.text[ctx.doc[prev.last].idx + len(ctx.doc[prev.last].text) : ctx.doc[loc.first].idx]
            if re.fullmatch(r"\s*['’]s?\s+", between):
                owners.append(Resolved(prev.entity, prev.first, prev.last))
        seen: set[str] = set()
        for owner in owners:
            if owner.entity.id in seen:
                continue
            seen.add(owner.entity.id)
            _apply_possessive(ctx, owner, loc, unit)


def _apply_possessive(ctx: Context, owner: Resolved, loc: Located, unit: Unit) -> None:
    for entry in ctx.data.raw["possessives"]:
        if not (is_a(owner.entity.type, entry["possessor"]) and is_a(loc.type, entry["possessed"])):
            continue
        subj, obj = (loc.entity, owner.entity) if entry["subject"] == "possessed" else (owner.entity, loc.entity)
        if ctx.admit(subj, entry["predicate"], obj):
            first = max(unit.first, min(owner.first, loc.first))
            last = min(unit.last, max(owner.last, loc.last))
            confidence = float(entry["confidence"]) * owner.factor
            ctx.add(subj, entry["predicate"], obj, first, last, entry["rule"], confidence)
            return


def report_relations(ctx: Context, unit: Unit) -> None:
    """"a report by Stanford University", "the Stanford University report": who published a report reference."""
    for i in range(unit.first, unit.last + 1):
        r = ctx.doc[i]
        if r.lemma_.lower() not in ctx.data.report_nouns or r.pos_ != "NOUN":
            continue
        report = ctx.resolve(r)
        if report is None or not is_a(report.entity.type, ["Report"]):
            continue
        makers: list[tuple[Resolved, str, float]] = []
        for c in r.children:
            if c.dep_ == "prep" and c.lower_ in ("by", "from"):
                pobjs = (p for p in c.children if p.dep_ == "pobj")
                makers += [(m, "report-by", 0.8) for m in _resolve_all(ctx, pobjs)]
            elif c.dep_ == "compound" and (m := ctx.resolve(c)) is not None and m.entity.id != report.entity.id:
                makers.append((m, "report-compound", 0.75))
        for maker, rule, confidence in makers:
            predicate = "authoredBy" if is_a(maker.entity.type, ["Person"]) else "publishedBy"
            if ctx.admit(report.entity, predicate, maker.entity):
                first = max(unit.first, min(report.first, maker.first, r.i))
                last = min(unit.last, max(report.last, maker.last, r.i))
                ctx.add(report.entity, predicate, maker.entity, first, last, rule,
                        confidence * report.factor * maker.factor)


def collaboration_relations(ctx: Context, unit: Unit) -> None:
    """"developed in collaboration with HAI", "jointly with": partners of the work and of its makers.

    When the thing made is a report (or a model), the partner is recorded as a co-publisher (co-developer)
    as well, and every publisher of that report found so far in the document collaborates with the partner.
    """
    raw = ctx.data.raw
    production = frozenset(raw["production_verbs"])
    for i in range(unit.first, unit.last + 1):
        tok = ctx.doc[i]
        found = _collaboration_at(tok, [tuple(p) for p in raw["collaboration_pps"]])
        if found is None:
            continue
        verb, with_prep = found
        factor = _modality_factor(ctx, verb, unit)
        if factor is None or not ctx.same_unit(verb, tok):
            continue
        partners = _resolve_all(ctx, (p for p in with_prep.children if p.dep_ == "pobj"))
        makers = _resolve_all(ctx, (t for t in agents(verb) if ctx.same_unit(t, verb)))
        works = _resolve_all(ctx, (t for t in patients(verb) if ctx.same_unit(t, verb)))
        if verb.lemma_.lower() not in production:
            works = []
        cue = [verb.i, tok.i, with_prep.i]
        for partner in partners:
            for maker in makers:
                _add_pair(ctx, maker, "collaboratesWith", partner, cue, unit, "collaboration-with", 0.8 * factor)
            for work in works:
                if is_a(work.entity.type, ["Report"]):
                    _add_pair(ctx, work, "publishedBy", partner, cue, unit, "report-co-publisher", 0.75 * factor)
                    for earlier in ctx.earlier(work.entity, "publishedBy", before=min(cue)):
                        res = Resolved(earlier.object, earlier.first, earlier.last, work.factor)
                        _add_pair(ctx, res, "collaboratesWith", partner, cue, None, "co-publisher", 0.7 * factor)
                elif is_a(work.entity.type, ["Model"]):
                    _add_pair(ctx, work, "developedBy", partner, cue, unit, "model-co-developer", 0.7 * factor)
                    for earlier in ctx.earlier(work.entity, "developedBy", before=min(cue)):
                        res = Resolved(earlier.object, earlier.first, earlier.last, work.factor)
                        _add_pair(ctx, res, "collaboratesWith", partner, cue, None, "co-developer", 0.7 * factor)


def _collaboration_at(tok: Token, phrases: list[tuple[str, ...]]) -> tuple[Token, Token] | None:
    """If ``tok`` heads "in collaboration with ..." or "jointly with ...": (the verb it modifies, "with")."""
    for phrase in phrases:
        if len(phrase) == 3 and tok.lower_ == phrase[1] and tok.head.lower_ == phrase[0] and tok.dep_ == "pobj":
            verb = tok.head.head
        elif len(phrase) == 2 and tok.lower_ == phrase[0] and tok.dep_ == "advmod":
            verb = tok.head
        else:
            continue
        with_prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == phrase[-1]), None)
        if with_prep is not None and verb.pos_ in ("VERB", "AUX"):
            return verb, with_prep
    return None


def _add_pair(
    ctx: Context, subj: Resolved, predicate: str, obj: Resolved, cue: list[int], unit: Unit | None, rule: str,
    conf: float,
) -> None:
    """Add one relation; evidence spans subject, object and cue (clipped to ``unit`` unless it is None)."""
    if ctx.admit(subj.entity, predicate, obj.entity):
        first = min(subj.first, obj.first, *cue)
        last = max(subj.last, obj.last, *cue)
        if unit is not None:
            first, last = max(unit.first, first), min(unit.last, last)
        ctx.add(subj.entity, predicate, obj.entity, first, last, rule, conf * subj.factor * obj.factor)


def dependency_relations(ctx: Context) -> None:
    for unit in ctx.units:
        if ctx.is_question(unit):
            continue
        possessive_relations(ctx, unit)
        report_relations(ctx, unit)
        verb_relations(ctx, unit)
        nominal_relations(ctx, unit)
        collaboration_relations(ctx, unit)


__all__ = ["Frame", "RoleSpec", "agents", "dependency_relations", "nominal_frames", "patients", "verb_frames"]
