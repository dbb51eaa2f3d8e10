"""Updating one named graph of a store by the difference between its old and new TriG blocks.

A large graph that changes a little (the cross-document graph after one document changed) costs, replaced
whole, a removal and a load in proportion to its size. Both blocks are written by
:meth:`kg.trig.Prefixes.trig_block`: one statement per subject, subjects in sorted order. Walking the two
blocks side by side gives the statements that differ;
the store then loses the triples of the old ones and gains those of the new ones, which leaves it holding
exactly the triples of the new block.

The walk checks the order it relies on; a block not in that order, or holding blank nodes (a store gives them
labels of its own, so they cannot be removed by their written form), is reported as :class:`NoDelta` and the
caller replaces the graph whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import pyoxigraph

_PREFIX = re.compile(r"^@prefix ([A-Za-z][\w.-]*|): <([^>]*)> \.$", re.MULTILINE)
_BATCH_CHARS = 1 << 20  # statements per parse / load: bounds memory on a large difference


class NoDelta(Exception):
    """The blocks cannot be compared statement by statement: replace the graph whole."""


def namespaces(header: str) -> dict[str, str]:
    """``{prefix: namespace}`` of a TriG prefix header (``@prefix kg: <...> .`` lines)."""
    return {m.group(1): m.group(2) for m in _PREFIX.finditer(header)}


_STATEMENT_START = re.compile(r"\n(?=  [^ ])")


def statements(block: str) -> list[str]:
    """The statements (one per subject, with their continuation lines, each ending in ``\\n``) of one TriG
    block as :meth:`kg.trig.Prefixes.trig_block` writes it: the graph's opening line and closing ``}`` left out."""
    cut = block.find("\n")
    closed = block.endswith("\n}\n") or block[cut + 1 :] == "}\n"
    if cut < 0 or not block[:cut].endswith("{") or not closed:
        raise NoDelta(f"not a TriG graph block: {block[:80]!r}")
    body = block[cut + 1 : -len("}\n")]
    if not body:
        return []
    if not body.startswith("  ") or body[2:3] == " ":
        raise NoDelta(f"unexpected first line in a graph block: {body[:80]!r}")
    found = _STATEMENT_START.split(body)
    return [stmt + "\n" for stmt in found[:-1]] + [found[-1]]


def subject_key(statement: str, ns: dict[str, str]) -> str:
    """The subject of a statement as the writer sorts it: the IRI (N-Triples escaped, without brackets)."""
    token = statement[2 : statement.index(" ", 2)]
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, sep, local = token.partition(":")
    if not sep or prefix not in ns or token.startswith("_:"):
        raise NoDelta(f"a subject that is not an IRI: {token[:80]!r}")
    return ns[prefix] + local


@dataclass
class Delta:
    removed: list[str] = field(default_factory=list)  # statements of the old block that are not in the new
    added: list[str] = field(default_factory=list)  # statements of the new block that are not in the old
    kept: int = 0

    @property
    def changed(self) -> int:
        return len(self.removed) + len(self.added)


def block_delta(old: str, new: str, ns: dict[str, str]) -> Delta:
    """The statements that differ between two blocks of the same graph."""
    delta = Delta()
    olds, news = statements(old), statements(new)
    old_keys, new_keys = [subject_key(s, ns) for s in olds], [subject_key(s, ns) for s in news]
    for keys in (old_keys, new_keys):
        if any(a >= b for a, b in pairwise(keys)):
            raise NoDelta("subjects out of order")
    removed, added, delta.kept = compare_sorted(old_keys, new_keys, lambda i, j: olds[i] == news[j])
    delta.removed = [olds[i] for i in removed]
    delta.added = [news[j] for j in added]
    return delta


def compare_sorted(old_keys: Sequence[str], new_keys: Sequence[str],
                   same: Callable[[int, int], bool]) -> tuple[list[int], list[int], int]:
    """Two lists of subjects in sorted order, walked side by side: the indexes of the old ones to remove (gone,
    or ``same(i, j)`` false), of the new ones to add (new, or changed), and how many are unchanged."""
    removed: list[int] = []
    added: list[int] = []
    kept = 0
    i = j = 0
    while i < len(old_keys) or j < len(new_keys):
        if j == len(new_keys) or (i < len(old_keys) and old_keys[i] < new_keys[j]):
            removed.append(i)
            i += 1
        elif i == len(old_keys) or new_keys[j] < old_keys[i]:
            added.append(j)
            j += 1
        else:
            if same(i, j):
                kept += 1
            else:
                removed.append(i)
                added.append(j)
            i += 1
            j += 1
    return removed, added, kept


def _batches(stmts: list[str], head: str) -> Iterator[str]:
    batch: list[str] = []
    size = 0
    for stmt in stmts:
        batch.append(stmt)
        size += len(stmt)
        if size >= _BATCH_CHARS:
            yield head + "".join(batch) + "}\n"
            batch, size = [], 0
    if batch:
        yield head + "".join(batch) + "}\n"


def apply_delta(store: pyoxigraph.Store, graph: str, header: str, delta: Delta) -> None:
    """Remove the triples of ``delta.removed`` from ``graph`` in ``store``, then add those of ``delta.added``."""
    head = f"<{graph}> {{\n"
    for text in _batches(delta.removed, head):
        quads = list(pyoxigraph.parse(input=header + text, format=pyoxigraph.RdfFormat.TRIG))
        for quad in quads:
            if isinstance(quad.subject, pyoxigraph.BlankNode) or isinstance(quad.object, pyoxigraph.BlankNode):
                raise NoDelta("blank nodes")
        for quad in quads:
            store.remove(quad)
    for text in _batches(delta.added, head):
        store.load(input=header + text, format=pyoxigraph.RdfFormat.TRIG)


__all__ = ["Delta", "NoDelta", "apply_delta", "block_delta", "compare_sorted", "namespaces", "statements",
           "subject_key"]
