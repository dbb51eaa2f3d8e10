"""The cross-document graph's TriG block, written subject by subject into the cache, reusing unchanged text.

The block is what :meth:`kg.trig.Prefixes.trig_block` gives for :func:`kg.rdf_cross.cross_lines` (byte for
byte), but it is never held whole: the subjects (the activity, each entity, each merge, each claim cluster)
are sorted by the writer's order and each one's statement is written on its own, so memory holds one
subject's lines at a time instead of every line of the graph (millions at 10,000 documents).

Beside the block, ``KEY.subjects`` lists each subject with a fingerprint of the record its statement was made
from and the statement's length in bytes. The next build, after a few documents changed, copies the statement
of every subject whose fingerprint is unchanged from the previous block and writes only the others: the cost
of a rebuild follows what changed, not the size of the graph. A fingerprint is a digest of the pickled
record; a record that pickles differently for the same data only costs a rewrite of its statement, so the
output never depends on it. The list starts with a signature of the writer (this code, the prefixes, the
base IRI): reuse needs an identical writer.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from rdflib.term import URIRef

from kg.buildio import atomic_binary, code_digest
from kg.iris import Iris
from kg.rdf import Activity
from kg.rdf_cross import CanonicalEntity, activity_lines, cluster_lines, entity_lines, merge_lines
from kg.records import ClaimCluster
from kg.store_delta import Delta, compare_sorted
from kg.trig import Prefixes, nt_iri, nt_term, sort_lines

SUBJECTS_SUFFIX = ".subjects"
_READ_CHARS = 1 << 20


@dataclass(frozen=True)
class Subject:
    key: str  # the subject as the writer sorts it: its IRI, N-Triples escaped, without brackets
    fingerprint: str
    lines: Callable[[], list[str]]


def _fingerprint(*record: object) -> str:
    return hashlib.blake2b(pickle.dumps(record, protocol=5), digest_size=16).hexdigest()


def _both(a: Callable[[], list[str]], b: Callable[[], list[str]]) -> list[str]:
    return a() + b()


def _key(iri: str) -> str:
    return nt_iri(iri)[1:-1]


def cross_subjects(entities: dict[str, CanonicalEntity], clusters: Sequence[ClaimCluster], iris: Iris,
                   activity: Activity | None) -> list[Subject]:
    """Every subject of the cross-document graph, in the writer's order (one entry per subject)."""
    found: list[Subject] = []
    if activity is not None:
        found.append(Subject(_key(activity.iri), _fingerprint("a", activity), partial(activity_lines, activity)))
    for iri, ent in entities.items():
        found.append(Subject(_key(iri), _fingerprint("e", iri, ent), partial(entity_lines, iri, ent, iris)))
        for merge in ent.merges:
            found.append(Subject(_key(iris.merge(iri, merge.alias)), _fingerprint("m", iri, merge),
                                 partial(merge_lines, iri, merge, iris)))
    for cluster in clusters:
        found.append(Subject(_key(cluster.id), _fingerprint("c", cluster), partial(cluster_lines, cluster)))
    found.sort(key=lambda s: s.key)
    merged: list[Subject] = []
    for subject in found:  # two records for one subject (never seen): one statement from both
        if merged and merged[-1].key == subject.key:
            first = merged.pop()
            subject = Subject(subject.key, _fingerprint(first.fingerprint, subject.fingerprint),
                              partial(_both, first.lines, subject.lines))
        merged.append(subject)
    return merged


def writer_signature(prefixes: Prefixes, graph: str) -> str:
    return code_digest(f"{prefixes.header()}\0{graph}\0",
                       ("cross_text.py", "rdf_cross.py", "trig.py", "vocab.py", "iris.py"))[:24]


def head_line(prefixes: Prefixes, graph: str) -> str:
    return f"{prefixes.abbreviate(nt_term(URIRef(graph)))} {{\n"


@dataclass(frozen=True)
class CrossWritten:
    sha256: str  # of the block's text (as graph.trig and the store's digests record it)
    subjects: int
    reused: int  # statements copied from the previous block


def _previous(block: Path | None, signature: str, head: bytes) -> tuple[Iterator[tuple[str, str, int]],
                                                                       io.BufferedReader] | None:
    """The previous block's subjects and an open reader positioned after its head line, when usable."""
    if block is None:
        return None
    listing = block.with_suffix(SUBJECTS_SUFFIX)
    try:
        handle = listing.open(encoding="utf-8")
        reader = block.open("rb")
    except OSError:
        return None
    first = handle.readline().rstrip("\n").split("\t")
    if first[:1] != [signature] or len(first) != 3 or reader.read(len(head)) != head:
        handle.close()
        reader.close()
        return None
    try:
        if int(first[1]) != block.stat().st_size:
            raise ValueError("size")
    except (ValueError, OSError):
        handle.close()
        reader.close()
        return None

    def entries() -> Iterator[tuple[str, str, int]]:
        with handle:
            for line in handle:
                key, fingerprint, size = line.rstrip("\n").split("\t")
                yield key, fingerprint, int(size)

    return entries(), reader


def write_cross_block(path: Path, subjects: Sequence[Subject], prefixes: Prefixes, graph: str,
                      previous: Path | None = None) -> CrossWritten:
    """Write the cross graph's block to ``path`` (and its subject list beside it), atomically; ``previous``:
    the block of an earlier build (with its subject list), whose unchanged statements are copied."""
    signature = writer_signature(prefixes, graph)
    head = head_line(prefixes, graph).encode()
    digest = hashlib.sha256()
    listing: list[str] = []
    reused = 0
    old = _previous(previous, signature, head)
    total = 0
    with atomic_binary(path) as out:
        def write(data: bytes) -> None:
            nonlocal total
            out.write(data)
            digest.update(data)
            total += len(data)

        write(head)
        entries, source = old if old is not None else (iter(()), io.BufferedReader(io.BytesIO()))
        with source:
            pending = next(entries, None)
            for subject in subjects:
                while pending is not None and pending[0] < subject.key:  # a subject that is gone
                    source.seek(pending[2], io.SEEK_CUR)
                    pending = next(entries, None)
                statement: bytes | None = None
                if pending is not None and pending[0] == subject.key:
                    if pending[1] == subject.fingerprint:
                        statement = source.read(pending[2])
                        reused += 1
                    else:
                        source.seek(pending[2], io.SEEK_CUR)
                    pending = next(entries, None)
                if statement is None:
                    statement = prefixes.body(sort_lines(subject.lines()), "  ").encode()
                write(statement)
                listing.append(f"{subject.key}\t{subject.fingerprint}\t{len(statement)}\n")
        write(b"}\n")
    with atomic_binary(path.with_suffix(SUBJECTS_SUFFIX)) as out:
        out.write(f"{signature}\t{total}\t{digest.hexdigest()}\n".encode())
        out.write("".join(listing).encode())
    return CrossWritten(digest.hexdigest(), len(subjects), reused)


def _last_subject_start(text: str) -> int:
    """The index of the newline before the last subject that starts in ``text`` (a line ``  X``), or -1."""
    cut = text.rfind("\n  ", 0, len(text) - 3)
    while cut >= 0 and text[cut + 3] == " ":  # a continuation line
        cut = text.rfind("\n  ", 0, cut)
    return cut


def block_pieces(path: Path, max_chars: int) -> Iterator[str]:
    """A graph block file as blocks of the same graph of about ``max_chars`` characters each, cut at subject
    boundaries (each piece a complete ``<graph> { ... }`` block), read without holding the whole file."""
    with path.open(encoding="utf-8", newline="") as handle:
        head = handle.readline()
        carry = ""
        while chunk := handle.read(max(max_chars, _READ_CHARS)):
            text = carry + chunk
            cut = _last_subject_start(text)
            if cut <= 0:
                carry = text
                continue
            yield head + text[: cut + 1] + "}\n"
            carry = text[cut + 1 :]
    if not carry.endswith("}\n"):
        raise ValueError(f"{path}: not a complete graph block")
    if carry[: -len("}\n")]:
        yield head + carry


@dataclass(frozen=True)
class Listing:
    """A block's subject list: the writer's signature, the block's size and SHA-256, and per subject its key,
    fingerprint, and where its statement lies in the block file (byte offset and length)."""

    signature: str
    size: int
    sha256: str
    subjects: list[tuple[str, str, int, int]]


def read_listing(block: Path) -> Listing | None:
    """The subject list beside ``block``, when it is complete and describes the block as it is on disk."""
    try:
        with block.with_suffix(SUBJECTS_SUFFIX).open(encoding="utf-8") as handle:
            signature, size, sha = handle.readline().rstrip("\n").split("\t")
            with block.open("rb") as reader:
                offset = len(reader.readline())
            subjects = []
            for line in handle:
                key, fingerprint, length = line.rstrip("\n").split("\t")
                subjects.append((key, fingerprint, offset, int(length)))
                offset += int(length)
        if int(size) != block.stat().st_size or offset + len("}\n") != int(size):
            return None
    except (OSError, ValueError):
        return None
    return Listing(signature, int(size), sha, subjects)


def listing_delta(old: Path, new: Path) -> Delta | None:
    """The statements that differ between two blocks of the cross graph, found from their subject lists
    (a subject whose fingerprint is unchanged has the same statement) and read from the files: no block is
    read whole. None when either list is missing, damaged or from another writer."""
    before, after = read_listing(old), read_listing(new)
    if before is None or after is None or before.signature != after.signature:
        return None
    delta = Delta()
    olds, news = before.subjects, after.subjects
    removed, added, delta.kept = compare_sorted([s[0] for s in olds], [s[0] for s in news],
                                                lambda i, j: olds[i][1] == news[j][1])
    for path, listed, chosen, into in ((old, olds, removed, delta.removed), (new, news, added, delta.added)):
        with path.open("rb") as reader:
            for k in chosen:
                offset, length = listed[k][2:]
                reader.seek(offset)
                into.append(reader.read(length).decode("utf-8"))
    return delta


def listed_sha256(block: Path) -> str | None:
    """The SHA-256 of ``block`` as its subject list records it (None without a list)."""
    try:
        with block.with_suffix(SUBJECTS_SUFFIX).open(encoding="utf-8") as handle:
            fields = handle.readline().rstrip("\n").split("\t")
    except OSError:
        return None
    return fields[2] if len(fields) == 3 else None


def read_block(path: Path) -> str:
    return path.read_text(encoding="utf-8")


__all__ = ["SUBJECTS_SUFFIX", "CrossWritten", "Listing", "Subject", "block_pieces", "cross_subjects", "head_line",
           "listed_sha256", "listing_delta", "read_block", "read_listing", "write_cross_block", "writer_signature"]
