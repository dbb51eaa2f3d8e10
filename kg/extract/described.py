"""Policies named by description: "export restrictions on advanced AI chips", "chip controls".

The entries in ``described_policies`` of ``kg/patterns/entities_types.json`` say which head nouns and objects
make such a description and which seed policy it names. The scan looks each token up in a set of head words
and reads a few tokens around the hits only.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.extract.lexicon import DescribedPolicy, EntityLexicon


@dataclass(frozen=True)
class Described:
    start: int  # token indices, end exclusive
    end: int
    target: str  # the seed label of the policy


def _after(lowers: list[str], i: int, entry: DescribedPolicy, lex: EntityLexicon) -> int:
    """End (exclusive) of "<head> on [exports of] [the] ... <object>" with the head at ``i``, or -1."""
    k = i + 1
    if k >= len(lowers) or lowers[k] != "on":
        return -1
    k += 1
    if k + 1 < len(lowers) and lowers[k] in lex.export_words and lowers[k + 1] == "of":
        k += 2
    words = 0
    for j in range(k, len(lowers)):
        word = lowers[j]
        if word in entry.objects:
            return j + 1
        if word in lex.described_stops:
            return -1
        if word.strip():  # a line break inside the phrase is no word
            words += 1
            if words > lex.described_max_modifiers:
                return -1
    return -1


def find_described(texts: list[str], lex: EntityLexicon) -> list[Described]:
    """Descriptions of the lexicon's policies in a doc (``texts``: its token texts), in text order."""
    lowers = [t.lower() for t in texts]
    out: list[Described] = []
    for entry in lex.described_policies:
        found: list[Described] = []
        for i, word in enumerate(lowers):
            if word not in entry.heads:
                continue
            start = i - 1 if i > 0 and lowers[i - 1] in lex.export_words else i
            end = _after(lowers, i, entry, lex)
            if end > 0:
                found.append(Described(start, end, entry.target))
                continue
            if start > 0 and lowers[start - 1] in entry.objects:  # "chip controls", "chip export controls"
                found.append(Described(start - 1, i + 1, entry.target))
        if found:
            taken = {k for d in found for k in range(d.start, d.end)}
            for i in range(len(lowers) - 1):
                pair = f"{lowers[i]} {lowers[i + 1]}"
                nxt = lowers[i + 2] if i + 2 < len(lowers) else ""
                if pair in entry.bare and i not in taken and i + 1 not in taken and nxt not in ("on", "of"):
                    found.append(Described(i, i + 2, entry.target))
        out.extend(found)
    return sorted(out, key=lambda d: d.start)


__all__ = ["Described", "find_described"]
