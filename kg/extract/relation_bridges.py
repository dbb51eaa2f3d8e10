"""Surface rules: the words *between* two neighbouring mentions of one sentence decide the relation.

"Liang Wenfeng, founder of DeepSeek", "OpenAI CEO Sam Altman", "Hangzhou-based DeepSeek", "the DigiChina
Project, which operates under the Center for ...": the small parser often misattaches such appositions and
premodifiers, while the text between the two names is short and regular. Every pattern is anchored at both
ends, so the bridge must be *only* the cue (a negation, a verb or a clause in between breaks the match), and
both entities must have the classes the rule names. Patterns and lexicons are in kg/patterns/relations.json.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kg.extract.relation_context import Context
from kg.extract.spans import Located, Unit, is_a

WORD = re.compile(r"[\w-]+")
POSSESSIVE_BRIDGE = re.compile(r"\s*['’]s?\s+(?:[a-z][\w-]*\s+){0,4}")
"""Between a possessor and the possessed name: "'s", maybe lowercase modifiers ("'s widely cited annual")."""


@dataclass(frozen=True)
class BridgeRule:
    rule: str
    between: re.Pattern[str]
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    left: tuple[str, ...]
    right: tuple[str, ...]
    predicate: str
    subject: str  # "left" | "right"
    confidence: float
    same_root: bool = False
    needs: frozenset[str] = frozenset()  # one of these words must occur in the gap or after (fast pre-check)


def _alternation(words: Sequence[str]) -> str:
    ordered = sorted({w.lower() for w in words}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) + ")"


def _fill(template: str, slots: dict[str, str]) -> str:
    for name, value in slots.items():
        template = template.replace("{" + name + "}", value)
    return template


def _compile(template: str | None, slots: dict[str, str]) -> re.Pattern[str] | None:
    if template is None:
        return None
    return re.compile(_fill(template, slots), re.IGNORECASE)


@lru_cache(maxsize=1)
def bridge_rules() -> tuple[BridgeRule, ...]:
    """Every bridge pattern of kg/patterns/relations.json, compiled (role constructions x role classes)."""
    from kg.extract.relation_context import relation_data

    raw: dict[str, Any] = relation_data().raw
    blocked = _alternation(raw["modifier_blocklist"])
    slots = {
        "MODS": r"(?:(?!" + blocked + r"\b)[\w][\w.&'’-]*\s+){0,3}",
        "DET": _alternation(raw["determiners"]),
        "COPULA": _alternation(raw["copulas"]),
        "ORG_NOUN": _alternation(raw["org_nouns"]),
        "ANAPHOR": _alternation(list(raw["anaphors"])),
    }
    rules: list[BridgeRule] = []
    for entry in raw["bridges"]:
        between = _compile(entry["between"], slots)
        assert between is not None
        rules.append(
            BridgeRule(
                rule=entry["rule"],
                between=between,
                before=_compile(entry.get("before"), slots),
                after=_compile(entry.get("after"), slots),
                left=tuple(entry["left"]),
                right=tuple(entry["right"]),
                predicate=entry["predicate"],
                subject=entry["subject"],
                confidence=float(entry["confidence"]),
                same_root=bool(entry.get("same_root", False)),
            )
        )
    title_classes = set(raw["title_role_classes"])
    for construction in raw["role_constructions"]:
        for role in raw["role_classes"]:
            if construction["name"] in ("title", "title-of") and role["name"] not in title_classes:
                continue
            # plural role nouns too: "Hashimoto and Manning are members of the Stanford faculty"
            noun = _alternation(role["nouns"]) + "(?:e?s)?"
            role_slots = {**slots, "NOUN": noun, "PREP": _alternation(role["preps"])}
            holder_left = construction["holder"] == "left"
            holder_types, anchor_types = tuple(role["holder"]), tuple(role["anchor"])
            subject_is_holder = role["subject"] == "holder"
            between = _compile(construction["between"], role_slots)
            assert between is not None
            rules.append(
                BridgeRule(
                    rule=f"{construction['name']}-{role['name']}",
                    between=between,
                    before=_compile(construction.get("before"), role_slots),
                    after=_compile(construction.get("after"), role_slots),
                    left=holder_types if holder_left else anchor_types,
                    right=anchor_types if holder_left else holder_types,
                    predicate=role["predicate"],
                    subject=("left" if holder_left == subject_is_holder else "right"),
                    confidence=float(role["confidence"]),
                    same_root=bool(role.get("same_root", False)),
                    needs=frozenset(
                        noun.lower().split()[-1] + plural for noun in role["nouns"] for plural in ("", "s", "es")
                    ),
                )
            )
    return tuple(rules)


def _possessed_after(ctx: Context, loc: Located, mentions: list[Located], pos: int) -> Located:
    """"... under the university's Center": when ``loc`` is a possessor of the next mention, use that one."""
    if pos + 1 >= len(mentions):
        return loc
    nxt = mentions[pos + 1]
    text = ctx.text
    between = text[ctx.view.idx[loc.last] + ctx.view.length[loc.last] : ctx.view.idx[nxt.first]]
    if POSSESSIVE_BRIDGE.fullmatch(between):
        return nxt
    return loc


COORDINATION = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or|as well as)\s+)")


def _coordinated(ctx: Context, mentions: list[Located], pos: int) -> list[Located]:
    """The mention at ``pos`` and those coordinated after it ("in Zhipu AI and MiniMax", "X, Y and Z")."""
    found = [mentions[pos]]
    text = ctx.text
    while pos + 1 < len(mentions):
        cur, nxt = mentions[pos], mentions[pos + 1]
        gap = text[ctx.view.idx[cur.last] + ctx.view.length[cur.last] : ctx.view.idx[nxt.first]]
        if not COORDINATION.fullmatch(gap) or (nxt.type != cur.type and not is_a(nxt.type, [cur.type])):
            break
        found.append(nxt)
        pos += 1
    return found


def bridge_relations(ctx: Context, unit: Unit) -> None:
    """Apply every bridge rule to each pair of neighbouring mentions in one sentence unit."""
    rules = bridge_rules()
    text = ctx.text
    max_chars = int(ctx.data.raw["max_bridge_chars"])
    mentions = ctx.index.in_range(unit.first, unit.last)
    unit_start = ctx.view.idx[unit.first]
    unit_end = ctx.view.idx[unit.last] + ctx.view.length[unit.last]
    for pos in range(len(mentions) - 1):
        left, right0 = mentions[pos], mentions[pos + 1]
        left_end = ctx.view.idx[left.last] + ctx.view.length[left.last]
        right_start = ctx.view.idx[right0.first]
        between = text[left_end:right_start]
        if between.startswith(")") and text[ctx.view.idx[left.first] - 1 : ctx.view.idx[left.first]] == "(":
            between = between[1:]  # "Center for AI Standards and Innovation (CAISI), part of ..."
        if len(between) > max_chars:
            continue
        matching = _matching(between)
        if not matching:
            continue
        right = _possessed_after(ctx, right0, mentions, pos + 1)
        right_end = ctx.view.idx[right0.last] + ctx.view.length[right0.last]
        after = text[right_end:unit_end]
        left_start = ctx.view.idx[left.first]
        before = text[max(unit_start, left_start - 80) : left_start]
        words: set[str] | None = None
        for k in matching:
            rule = rules[k]
            if rule.needs:
                if words is None:
                    words = set(WORD.findall((before[-60:] + " " + between + " " + after[:60]).lower()))
                if not rule.needs & words:
                    continue
            extend = right0.last
            if rule.after is not None:
                tail = rule.after.match(after)
                if tail is None:
                    continue
                extend = _token_at(ctx, right_end + tail.end() - 1, right0.last)
            if rule.before is not None and not rule.before.search(before):
                continue
            if right is not right0:
                if not _emit(ctx, rule, left, right, extend):
                    _emit(ctx, rule, left, right0, extend)
                continue
            holders = _coordinated_before(ctx, mentions, pos) if PLURAL_COPULA.match(between) else [left]
            for target in _coordinated(ctx, mentions, pos + 1) if rule.after is None else [right0]:
                for holder in holders:
                    _emit(ctx, rule, holder, target, max(extend, target.last))


PLURAL_COPULA = re.compile(r"\s+(?:are|were|remain|have\s+been)\s", re.IGNORECASE)


def _coordinated_before(ctx: Context, mentions: list[Located], pos: int) -> list[Located]:
    """The mention at ``pos`` and those coordinated before it ("Hashimoto and Manning are ...")."""
    found = [mentions[pos]]
    text = ctx.text
    while pos > 0:
        prev, cur = mentions[pos - 1], mentions[pos]
        gap = text[ctx.view.idx[prev.last] + ctx.view.length[prev.last] : ctx.view.idx[cur.first]]
        if not COORDINATION.fullmatch(gap) or prev.type != cur.type:
            break
        found.append(prev)
        pos -= 1
    return found


@lru_cache(maxsize=16384)
def _matching(between: str) -> tuple[int, ...]:
    """Positions (in ``bridge_rules()``) of the rules whose ``between`` pattern matches this gap. Gaps repeat
    (", ", " and ", "'s "), so each distinct one is matched against the rules once."""
    return tuple(k for k, rule in enumerate(bridge_rules()) if rule.between.match(between))


def _token_at(ctx: Context, char: int, default: int) -> int:
    span = ctx.doc.char_span(char, char + 1, alignment_mode="expand")
    return span.end - 1 if span is not None and len(span) else default


def _emit(ctx: Context, rule: BridgeRule, left: Located, right: Located, extend: int) -> bool:
    if not (is_a(left.type, rule.left) and is_a(right.type, rule.right)):
        return False
    subj, obj = (left, right) if rule.subject == "left" else (right, left)
    if not ctx.admit(subj.entity, rule.predicate, obj.entity, same_root=rule.same_root):
        return False
    first, last = min(left.first, right.first), max(left.last, right.last, extend)
    ctx.add(subj.entity, rule.predicate, obj.entity, first, last, rule.rule, rule.confidence)
    return True


__all__ = ["BridgeRule", "bridge_relations", "bridge_rules"]
