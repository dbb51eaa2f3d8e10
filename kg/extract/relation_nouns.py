"""Noun-phrase rules: possessives, role nouns, report references, collaboration phrases.

* **Possessives** (table ``possessives``): "Alibaba's Qwen" (developedBy), "Stanford University's DigiChina
  Project" (partOf), "its Entity List" / "Meta, whose Llama models" (the possessive pronoun resolved to the
  clause's subject or the noun "whose" hangs on), "the university's Center for ..." (the nearest earlier
  university).
* **Role nouns** (``role_classes``): a person or organisation with a role noun in apposition or in front,
  whose owner is a possessor, a named modifier or an of/at-phrase: "the company's chief global affairs officer
  Joel Kaplan", "Alibaba Cloud, the group's cloud computing arm", "OpenAI CEO Sam Altman".
* **Report references**: "a report by Stanford University", "the Stanford University report".
* **Collaboration phrases**: "developed in collaboration with HAI", "together with", "jointly with".
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Token

from kg.extract.relation_context import Context, Resolved, RoleClass, relation_data
from kg.extract.relation_frames import modality_factor, resolve_all
from kg.extract.relation_roles import agents, patients
from kg.extract.spans import Located, Unit, is_a

POSSESSIVE_GAP = re.compile(r"\s*['’]s?\s+")
VERSION_TAIL = re.compile(r"[-\u2010\u2011][0-9A-Z]")


@lru_cache(maxsize=1)
def role_index() -> dict[str, tuple[RoleClass, ...]]:
    """Last word of each role noun -> the role classes that use it."""
    index: dict[str, list[RoleClass]] = {}
    for role in relation_data().roles:
        for noun in role.nouns:
            last = noun.lower().split()[-1]
            if role not in index.setdefault(last, []):
                index[last].append(role)
    return {k: tuple(v) for k, v in index.items()}


def _owner(ctx: Context, p: Token, wanted: list[str], exclude: Located) -> Resolved | None:
    """The entity a possessor token names: a mention, "its"/"their"/"whose", or "the university's"."""
    named = ctx.index.at(p.i)
    if named is not None:
        return Resolved(named.entity, named.first, named.last) if named.entity.id != exclude.entity.id else None
    if p.lower_ in ctx.data.raw["possessive_pronouns"]:
        res = ctx.possessive_pronoun(p, wanted)
        return res if res is not None and res.entity.id != exclude.entity.id else None
    if not exclude.first <= p.i <= exclude.last and any(d.lower_ == "the" for d in p.children):
        ante = ctx.antecedent(p, p.i, exclude.entity.id, exclude.entity.name)
        if ante is not None:
            return Resolved(ante.entity, p.i, p.i, ctx.data.resolution_factor)
    return None


def possessive_relations(ctx: Context, unit: Unit) -> None:
    """"Alibaba's Qwen", "Stanford University's DigiChina Project", "its Entity List", "whose Llama models"."""
    mentions = ctx.index.in_range(unit.first, unit.last, nested=True)
    nouns = ctx.data.possessed_nouns
    possessors = ctx.data.possessors
    for pos, loc in enumerate(mentions):
        end = ctx.view.idx[loc.last] + ctx.view.length[loc.last]
        if VERSION_TAIL.match(ctx.text, end):
            continue  # "DeepSeek's R1-0528" with only "R1" recognised: the name goes on; no possessive for a part
        heads = [ctx.index.head_of(loc)]
        if heads[0].dep_ == "compound" and heads[0].head.lemma_.lower() in nouns:
            heads.append(heads[0].head)
        owners: list[Resolved] = []
        for tok in [*heads, *(ctx.doc[j] for j in range(loc.first, loc.last + 1))]:
            for p in tok.children:
                if p.dep_ != "poss" or not ctx.same_unit(p, tok):
                    continue  # a possessive never crosses a sentence (the parser joins a headline to the text)
                if (owner := _owner(ctx, p, possessors, loc)) is not None:
                    owners.append(owner)
        if pos > 0 and not owners and mentions[pos - 1].last < loc.first:
            prev = mentions[pos - 1]
            between = ctx.text[ctx.view.idx[prev.last] + ctx.view.length[prev.last] : ctx.view.idx[loc.first]]
            if POSSESSIVE_GAP.fullmatch(between):
                owners.append(Resolved(prev.entity, prev.first, prev.last))
        seen: set[str] = set()
        for owner in owners:
            if owner.entity.id not in seen:
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


def title_relations(ctx: Context, unit: Unit) -> None:
    """Role nouns attached to a name by the parse: "the company's chief global affairs officer Joel Kaplan",
    "Alibaba Cloud, the group's cloud computing arm", "Liang Wenfeng, founder of DeepSeek"."""
    index = role_index()
    for loc in ctx.index.in_range(unit.first, unit.last, nested=True):
        head = ctx.index.head_of(loc)
        roles = [c for c in head.children if c.dep_ in ("compound", "appos") and not loc.first <= c.i <= loc.last]
        if head.dep_ == "appos" or (head.dep_ == "compound" and head.head.i > loc.last):
            roles.append(head.head)
        for r in roles:
            if not ctx.same_unit(r, head) or ctx.index.at(r.i) is not None:
                continue
            for role in roles_for(ctx, index, r):
                _role(ctx, role, loc, r, unit)


def roles_for(ctx: Context, index: dict[str, tuple[RoleClass, ...]], r: Token) -> tuple[RoleClass, ...]:
    """Role classes whose noun is the longest ending of the phrase headed by ``r`` ("chief global affairs
    officer" is an officer, not a chief executive officer)."""
    for prep in r.children:  # "director of research" is a post of its own, not a director
        if prep.dep_ == "prep" and prep.lower_ in ("of", "for", "on"):
            for obj in prep.children:
                longer = f"{r.lower_} {prep.lower_} {obj.lower_}"
                hits = tuple(role for role in ctx.data.roles if obj.dep_ == "pobj" and longer in role.nouns)
                if hits:
                    return hits
    candidates = index.get(r.lower_) or index.get(r.lemma_.lower()) or ()
    if not candidates:
        return ()
    mods = [t.lower_ for t in r.lefts if t.dep_ in ("compound", "amod", "nmod") and t.i >= r.i - 4]
    for k in range(len(mods) + 1):
        for last in dict.fromkeys((r.lower_, r.lemma_.lower())):  # "competitors" is a competitor
            phrase = " ".join([*mods[k:], last])
            hits = tuple(role for role in candidates if phrase in role.nouns)
            if hits:
                return hits
    return ()


def _role(ctx: Context, role: RoleClass, holder: Located, r: Token, unit: Unit) -> None:
    if not is_a(holder.type, role.holder):
        return
    if any(c.lower_ in ctx.data.raw["modifier_blocklist"] and c.dep_ == "amod" for c in r.children):
        return  # "former chief executive"
    anchors: list[Resolved] = []
    for c in r.children:
        if c.dep_ == "poss" and (owner := _owner(ctx, c, list(role.anchor), holder)) is not None:
            anchors.append(owner)
        elif c.dep_ == "compound" and (named := ctx.index.at(c.i)) is not None and named.entity.id != holder.entity.id:
            anchors.append(Resolved(named.entity, named.first, named.last))
        elif c.dep_ == "prep" and c.lower_ in role.preps:
            pobjs = (p for p in c.children if p.dep_ == "pobj")
            anchors += [a for a in resolve_all(ctx, pobjs) if a.entity.id != holder.entity.id]
    for anchor in anchors:
        if not is_a(anchor.entity.type, role.anchor):
            continue
        subj, obj = (holder.entity, anchor.entity) if role.subject_is_holder else (anchor.entity, holder.entity)
        if ctx.admit(subj, role.predicate, obj, same_root=role.same_root):
            first = max(unit.first, min(holder.first, anchor.first, r.i))
            last = min(unit.last, max(holder.last, anchor.last, r.i))
            ctx.add(subj, role.predicate, obj, first, last, f"role-{role.name}", role.confidence * anchor.factor)


def report_relations(ctx: Context, unit: Unit) -> None:
    """"a report by Stanford University", "the Stanford University report": who published a report reference."""
    for i in range(unit.first, unit.last + 1):
        if ctx.lemmas[i] not in ctx.data.report_nouns:
            continue
        r = ctx.doc[i]
        if r.pos_ != "NOUN":
            continue
        report = ctx.resolve(r) or _only_report(ctx, r)
        if report is None or not is_a(report.entity.type, ["Report"]):
            continue
        makers: list[tuple[Resolved, str, float]] = []
        for c in r.children:
            if c.dep_ == "poss" and ctx.same_unit(c, r) and (owner := ctx.index.at(c.i)) is not None:
                if owner.entity.id != report.entity.id:  # "Stanford University's report"
                    makers.append((Resolved(owner.entity, owner.first, owner.last), "report-possessive", 0.75))
                continue
            if c.dep_ == "prep" and c.lower_ in ("by", "from"):
                pobjs = (p for p in c.children if p.dep_ == "pobj")
                makers += [(m, "report-by", 0.8) for m in resolve_all(ctx, pobjs)]
            elif c.dep_ == "compound" and (m := ctx.resolve(c)) is not None and m.entity.id != report.entity.id:
                makers.append((m, "report-compound", 0.75))
        for maker, rule, confidence in makers:
            predicate = "authoredBy" if is_a(maker.entity.type, ["Person"]) else "publishedBy"
            if ctx.admit(report.entity, predicate, maker.entity):
                first = max(unit.first, min(report.first, maker.first, r.i))
                last = min(unit.last, max(report.last, maker.last, r.i))
                ctx.add(report.entity, predicate, maker.entity, first, last, rule,
                        confidence * report.factor * maker.factor)


def _only_report(ctx: Context, r: Token) -> Resolved | None:
    """"Stanford University's report" when the document names one report only: that report."""
    if not any(c.dep_ == "poss" and ctx.index.at(c.i) is not None for c in r.children):
        return None
    reports = {loc.entity.id: loc.entity for loc in ctx.index.all if is_a(loc.type, ["Report"])}
    if len(reports) != 1:
        return None
    return Resolved(next(iter(reports.values())), r.i, r.i, ctx.data.resolution_factor)


def collaboration_relations(ctx: Context, unit: Unit) -> None:
    """"developed in collaboration with HAI", "together with": partners of the work and of its makers.

    When the thing made is a report (or a model), the partner is recorded as a co-publisher (co-developer)
    as well, and every publisher of that report found in this or the previous sentence collaborates with it.
    """
    raw = ctx.data.raw
    production = frozenset(raw["production_verbs"])
    phrases = [tuple(p) for p in raw["collaboration_pps"]]
    heads = {p[1] if len(p) == 3 else p[0] for p in phrases}
    for i in range(unit.first, unit.last + 1):
        if ctx.lowers[i] not in heads:
            continue
        tok = ctx.doc[i]
        found = _collaboration_at(tok, phrases)
        if found is None:
            continue
        host, with_prep = found
        if host.pos_ in ("VERB", "AUX"):
            verb: Token | None = host
            makers = resolve_all(ctx, (t for t in agents(host) if ctx.same_unit(t, host)))
        else:  # "prepared by the DigiChina Project, ..., together with HAI": the partner of DigiChina
            makers = resolve_all(ctx, [host])
            verb = host.head.head if host.dep_ == "pobj" and host.head.dep_ == "agent" else None
        if verb is not None and not ctx.same_unit(verb, tok):
            continue
        factor = modality_factor(ctx, verb, unit) if verb is not None else 1.0
        if factor is None:
            continue
        partners = resolve_all(ctx, (p for p in with_prep.children if p.dep_ == "pobj"))
        works: list[Resolved] = []
        if verb is not None and verb.lemma_.lower() in production:
            works = resolve_all(ctx, (t for t in patients(verb) if ctx.same_unit(t, verb)))
        cue = [tok.i, with_prep.i] + ([verb.i] if verb is not None else [])
        for partner in partners:
            for maker in makers:
                _add_pair(ctx, maker, "collaboratesWith", partner, cue, unit, "collaboration-with", 0.8 * factor)
                for work in works:
                    if is_a(work.entity.type, ["Report"]):
                        _add_pair(ctx, work, "publishedBy", partner, cue, unit, "report-co-publisher", 0.7 * factor)
            if makers:
                continue
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
    """If ``tok`` heads "in collaboration with ..." or "together with ...": (what it modifies, "with").

    What it modifies is a verb ("developed in collaboration with") or a name ("X, together with Y").
    """
    for phrase in phrases:
        if len(phrase) == 3 and tok.lower_ == phrase[1] and tok.head.lower_ == phrase[0] and tok.dep_ == "pobj":
            host = tok.head.head
            with_prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == phrase[-1]), None)
        elif len(phrase) == 2 and tok.lower_ == phrase[0] and tok.dep_ == "advmod":
            with_prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == phrase[-1]), None)
            host = tok.head
            if with_prep is None and tok.head.lower_ == phrase[-1] and tok.head.dep_ == "prep":
                with_prep, host = tok.head, tok.head.head  # "together" hangs on "with"
        else:
            continue
        if with_prep is not None and host.pos_ in ("VERB", "AUX", "NOUN", "PROPN"):
            return host, with_prep
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


__all__ = [
    "collaboration_relations",
    "possessive_relations",
    "report_relations",
    "role_index",
    "roles_for",
    "title_relations",
]
