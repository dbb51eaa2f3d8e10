"""Nominal frames: relations expressed by a noun ("U.S. export restrictions on chips to China", "Alibaba's
acquisition of X"); see kg/extract/relation_frames.py for the frame table and the role vocabulary."""

from __future__ import annotations

from spacy.tokens import Token

from kg.extract.relation_context import Context, Resolved, relation_data
from kg.extract.relation_frames import (
    Frame,
    RoleSpec,
    emit,
    modality_factor,
    nominal_frames,
    resolve_all,
)
from kg.extract.relation_roles import agents, prep_objects
from kg.extract.spans import Unit, is_a


def nominal_relations(ctx: Context, unit: Unit) -> None:
    table = nominal_frames()
    light = relation_data().light_verbs
    for i in range(unit.first, unit.last + 1):
        if ctx.lemmas[i] not in table:
            continue
        n = ctx.doc[i]
        frames = table.get(n.lemma_.lower()) if n.pos_ in ("NOUN", "PROPN") else None
        if not frames or any(c.dep_ == "det" and c.lower_ in ("no", "neither") for c in n.children):
            continue
        governor = n.head if n.head.lemma_.lower() in light and n.dep_ in ("dobj", "nsubjpass") else None
        factor = 1.0
        if governor is not None:
            gov_factor = modality_factor(ctx, governor, unit)
            if gov_factor is None:
                continue
            factor = gov_factor
        itself = ctx.index.at(n.i)
        for frame in frames:
            if frame.requires_modifier and not any(c.lower_ in frame.requires_modifier for c in n.children):
                continue
            cue = [n.i] + ([governor.i] if governor is not None else [])
            if frame.pairwise:
                _pairwise(ctx, frame, n, governor, cue, unit, factor)
                continue
            subjects = _nominal_role(ctx, n, governor, frame.subject)
            objects = _nominal_role(ctx, n, governor, frame.object)
            if itself is not None and is_a(itself.type, ["Policy"]) and "owner" in frame.subject.roles:
                policy = Resolved(itself.entity, itself.first, itself.last)
                for issuer in subjects:
                    if issuer.entity.id != itself.entity.id and ctx.admit(itself.entity, "issuedBy", issuer.entity,
                                                                          None, ["GovernmentBody", "Country"]):
                        first, last = min(policy.first, issuer.first, *cue), max(policy.last, issuer.last, *cue)
                        ctx.add(itself.entity, "issuedBy", issuer.entity, max(unit.first, first),
                                min(unit.last, last), "policy-issuer", 0.75 * factor * issuer.factor)
                # the guidelines: restricts from the instrument and from the body that acts through it
                actors = [a for a in subjects if a.entity.id != itself.entity.id]
                if frame.predicate != "restricts":
                    actors = []
                subjects = [policy, *actors]
            for subj in subjects:
                for obj in objects:
                    emit(ctx, frame, subj, obj, cue, unit, factor)


def _pairwise(
    ctx: Context, frame: Frame, n: Token, governor: Token | None, cue: list[int], unit: Unit, factor: float
) -> None:
    """"A joint publication of X and Y": every named party with every other."""
    parties = _nominal_role(ctx, n, governor, frame.subject)
    for k, a in enumerate(parties):
        for b in parties[k + 1 :]:
            if a.entity.id != b.entity.id:
                emit(ctx, frame, a, b, cue, unit, factor)


def _nominal_role(ctx: Context, n: Token, governor: Token | None, spec: RoleSpec) -> list[Resolved]:
    toks: list[Token] = []
    found: list[Resolved] = []
    for role in spec.roles:
        if role == "owner":
            owners = [c for c in n.children if c.dep_ in ("poss", "compound", "amod", "nmod") and c.i < n.i]
            named = [r for c in owners if (r := ctx.resolve(c)) is not None and not r.first <= n.i <= r.last]
            if named:
                found += named
            elif governor is not None and n.dep_ == "dobj":
                toks += agents(governor)
        elif role == "prep":
            for host in (n, governor):
                if host is None:
                    continue
                for _prep, obj in prep_objects(host, spec.preps):
                    at = ctx.index.at(obj.i)
                    if at is not None and host is n and at.first <= n.i <= at.last:
                        at = None  # inside the noun's own name ("[export restrictions on chips] to China")
                    else:
                        toks.append(obj)
                    if at is None:  # "restrictions on chips to China"
                        toks += [o for _p, o in prep_objects(obj, spec.preps, nested=False)]
                        for of_obj in _of_objects(obj):  # "restrictions on exports of chips to China"
                            toks += [o for _p, o in prep_objects(of_obj, spec.preps, nested=False)]
    return found + resolve_all(ctx, toks)


def _of_objects(tok: Token) -> list[Token]:
    """The objects of an "of" phrase on ``tok`` ("exports of chips": chips)."""
    return [p for c in tok.children if c.dep_ == "prep" and c.lower_ == "of" for p in c.children if p.dep_ == "pobj"]


__all__ = ["nominal_relations"]
