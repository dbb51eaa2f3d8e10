"""Read what ``kg cite`` needs from a built store: SPARQL over claims, provenance and clusters, no re-extraction.

Two kinds of reads: :func:`load_index` fetches every claim's text and links (what ranking needs, one pass),
and :func:`load_details` fetches the full provenance of the few clusters that are shown. IRIs go into queries
only as ``VALUES`` terms written by pyoxigraph's own serializer (each IRI validated by ``NamedNode``).

The reads go through a :class:`~kg.sparql_backend.SparqlBackend`: the build's own store, or a SPARQL server
the build was pushed to (the same queries, over the union of the build's graphs either way).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph

from kg.config import ONTOLOGY_NS
from kg.errors import BuildError
from kg.sparql_backend import LocalBackend, SparqlBackend, iter_solutions
from kg.vocab import PREFIXES

_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
_SCHEMA = PREFIXES["schema"]


@dataclass(frozen=True)
class EntityInfo:
    iri: str
    label: str
    type: str | None  # ontology class local name
    names: tuple[str, ...]  # label, alternative labels and surface forms seen in documents (deduplicated)


@dataclass(frozen=True)
class ClaimRow:
    iri: str
    document: str  # IRI
    cluster: str | None


@dataclass(frozen=True)
class CiteIndex:
    """Everything ranking reads, for every claim of the build."""

    claims: tuple[ClaimRow, ...]  # sorted by IRI
    entities: dict[str, EntityInfo]
    links: dict[str, dict[str, frozenset[str]]]  # claim IRI -> {"about"|"attributedTo"|"reportedBy": entities}
    works: dict[str, frozenset[str]]  # organisation/person -> reports it published or authored, people who work there
    clusters: dict[str, int]  # cluster IRI -> number of sources


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int
    page: int | None


@dataclass(frozen=True)
class Agent:
    iri: str
    name: str
    type: str | None
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentInfo:
    iri: str
    id: str
    title: str | None
    publisher: str | None
    date: str | None
    url: str | None
    path: str | None
    format: str | None
    types: tuple[str, ...]  # class IRIs
    authors: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ClaimInfo:
    iri: str
    text: str
    modality: str  # asserted | hedged | negated
    quotation: bool
    cue: str | None
    attributed_to: Agent | None
    reported_by: Agent | None
    document: DocumentInfo
    quote: Quote | None


@dataclass(frozen=True)
class ClusterInfo:
    iri: str
    label: str
    sources: int
    independent_sources: int
    members: tuple[ClaimInfo, ...]  # sorted by claim IRI
    contradicts: tuple[tuple[str, str], ...]  # (cluster IRI, label), sorted


def as_backend(source: pyoxigraph.Store | SparqlBackend) -> SparqlBackend:
    return LocalBackend(source) if isinstance(source, pyoxigraph.Store) else source


def _select(source: SparqlBackend, query: str) -> Iterator[pyoxigraph.QuerySolution]:
    try:
        result = source.query(_PREFIXES + query, prefixes={}, form="SELECT")
    except (SyntaxError, OSError) as err:
        raise BuildError(f"cannot read the build's store for citations ({err}); rebuild with `kg build`") from err
    yield from iter_solutions(result)


def _values(var: str, iris: Iterable[str]) -> str:
    terms = " ".join(str(pyoxigraph.NamedNode(i)) for i in sorted(set(iris)))
    return f"VALUES ?{var} {{ {terms} }}"


def _str(sol: pyoxigraph.QuerySolution, var: str) -> str | None:
    term = sol[var]
    return None if term is None else str(term.value)


def _local(iri: str | None) -> str | None:
    return iri[len(ONTOLOGY_NS):] if iri and iri.startswith(ONTOLOGY_NS) else None


def load_index(source: SparqlBackend) -> tuple[CiteIndex, list[str]]:
    """What ranking needs, and the claims' texts (aligned with ``CiteIndex.claims``) to index them."""
    claims: dict[str, ClaimRow] = {}
    texts: dict[str, str] = {}
    for sol in _select(source, """
        SELECT ?claim ?text ?doc ?cluster WHERE {
          ?claim a kg:Claim ; kg:text ?text ; kg:statedIn ?doc .
          OPTIONAL { ?cluster kg:hasMember ?claim }
        }"""):
        iri = str(sol["claim"].value)
        row = ClaimRow(iri, str(sol["doc"].value), _str(sol, "cluster"))
        if iri not in claims or (row.cluster or "") < (claims[iri].cluster or "~"):
            claims[iri] = row
        text = str(sol["text"].value)
        texts[iri] = min(texts.get(iri, text), text)
    links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for sol in _select(source, """
        SELECT ?claim ?p ?e WHERE {
          VALUES ?p { kg:about kg:attributedTo kg:reportedBy }
          ?claim a kg:Claim ; ?p ?e .
        }"""):
        links[str(sol["claim"].value)][_local(str(sol["p"].value)) or ""].add(str(sol["e"].value))
    works: dict[str, set[str]] = defaultdict(set)
    for sol in _select(source, """
        SELECT ?work ?maker WHERE {
          VALUES ?p { kg:publishedBy kg:authoredBy kg:worksFor kg:leads }
          ?work ?p ?maker .
        }"""):
        works[str(sol["maker"].value)].add(str(sol["work"].value))
    clusters = {
        str(s["c"].value): int(_str(s, "n") or 0)
        for s in _select(source, "SELECT ?c ?n WHERE { ?c a kg:ClaimCluster OPTIONAL { ?c kg:sourceCount ?n } }")
    }
    rows = tuple(sorted(claims.values(), key=lambda r: r.iri))
    return CiteIndex(
        claims=rows,
        entities=load_entities(source),
        links={c: {k: frozenset(v) for k, v in d.items()} for c, d in links.items()},
        works={k: frozenset(v) for k, v in works.items()},
        clusters=clusters,
    ), [texts[r.iri] for r in rows]


def load_entities(source: SparqlBackend, iris: Iterable[str] | None = None) -> dict[str, EntityInfo]:
    """Entities with a preferred label (all of them, or those in ``iris``), with every name they go by."""
    restrict = "" if iris is None else _values("e", iris)
    labels: dict[str, str] = {}
    types: dict[str, str] = {}
    names: dict[str, set[str]] = defaultdict(set)
    for sol in _select(source, f"""
        SELECT ?e ?label ?type WHERE {{
          {restrict}
          ?e skos:prefLabel ?label .
          OPTIONAL {{ ?e a ?type . FILTER(STRSTARTS(STR(?type), "{ONTOLOGY_NS}")) }}
        }}"""):
        iri = str(sol["e"].value)
        label = str(sol["label"].value)
        if iri not in labels or label < labels[iri]:
            labels[iri] = label
        kind = _local(_str(sol, "type"))
        if kind and (iri not in types or kind < types[iri]):
            types[iri] = kind
    for sol in _select(source, f"""
        SELECT ?e ?name WHERE {{
          {restrict}
          VALUES ?p {{ skos:altLabel kg:surfaceForm }}
          ?e ?p ?name .
        }}"""):
        names[str(sol["e"].value)].add(str(sol["name"].value))
    return {
        iri: EntityInfo(iri, label, types.get(iri), tuple(dict.fromkeys([label, *sorted(names[iri] - {label})])))
        for iri, label in sorted(labels.items())
    }


def load_details(source: SparqlBackend, clusters: Sequence[str]) -> dict[str, ClusterInfo]:
    """Full provenance of the given clusters: members, quotes, attribution chains, documents, contradictions."""
    if not clusters:
        return {}
    heads: dict[str, tuple[str, int, int]] = {}
    members: dict[str, set[str]] = defaultdict(set)
    for sol in _select(source, f"""
        SELECT ?cluster ?label ?n ?ni ?member WHERE {{
          {_values("cluster", clusters)}
          ?cluster kg:label ?label ; kg:hasMember ?member .
          OPTIONAL {{ ?cluster kg:sourceCount ?n }} OPTIONAL {{ ?cluster kg:independentSourceCount ?ni }}
        }}"""):
        cid = str(sol["cluster"].value)
        heads[cid] = (str(sol["label"].value), int(_str(sol, "n") or 0), int(_str(sol, "ni") or 0))
        members[cid].add(str(sol["member"].value))
    against: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for sol in _select(source, f"""
        SELECT ?cluster ?other ?label WHERE {{
          {_values("cluster", clusters)}
          ?cluster kg:contradicts ?other . OPTIONAL {{ ?other kg:label ?label }}
        }}"""):
        against[str(sol["cluster"].value)].add((str(sol["other"].value), _str(sol, "label") or ""))
    claims = load_claims(source, [m for ms in members.values() for m in ms])
    return {
        cid: ClusterInfo(cid, label, n, ni, tuple(claims[m] for m in sorted(members[cid]) if m in claims),
                         tuple(sorted(against[cid])))
        for cid, (label, n, ni) in sorted(heads.items())
    }


def load_claims(source: SparqlBackend, iris: Sequence[str]) -> dict[str, ClaimInfo]:
    if not iris:
        return {}
    rows: dict[str, pyoxigraph.QuerySolution] = {}
    for sol in _select(source, f"""
        SELECT ?claim ?text ?doc ?modality ?quotation ?cue ?attr ?rep ?exact ?prefix ?suffix ?start ?end ?page
        WHERE {{
          {_values("claim", iris)}
          ?claim kg:text ?text ; kg:statedIn ?doc .
          OPTIONAL {{ ?claim kg:modality ?modality }}
          OPTIONAL {{ ?claim kg:quotation ?quotation }}
          OPTIONAL {{ ?claim kg:cue ?cue }}
          OPTIONAL {{ ?claim kg:attributedTo ?attr }}
          OPTIONAL {{ ?claim kg:reportedBy ?rep }}
          OPTIONAL {{
            ?claim kg:evidence ?target .
            ?target oa:hasSelector ?qs, ?ps .
            ?qs a oa:TextQuoteSelector ; oa:exact ?exact .
            ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
            OPTIONAL {{ ?qs oa:prefix ?prefix }} OPTIONAL {{ ?qs oa:suffix ?suffix }}
            OPTIONAL {{ ?target kg:page ?page }}
          }}
        }}"""):
        iri = str(sol["claim"].value)
        if iri not in rows or _row_key(sol) < _row_key(rows[iri]):
            rows[iri] = sol  # one row per claim, chosen deterministically
    docs = load_documents(source, {str(s["doc"].value) for s in rows.values()})
    agents = load_entities(source, {v for s in rows.values() for v in (_str(s, "attr"), _str(s, "rep")) if v})
    out: dict[str, ClaimInfo] = {}
    for iri, sol in sorted(rows.items()):
        quote = None
        if sol["exact"] is not None and sol["start"] is not None and sol["end"] is not None:
            page = _str(sol, "page")
            quote = Quote(str(sol["exact"].value), _str(sol, "prefix") or "", _str(sol, "suffix") or "",
                          int(str(sol["start"].value)), int(str(sol["end"].value)), int(page) if page else None)
        out[iri] = ClaimInfo(
            iri=iri,
            text=str(sol["text"].value),
            modality=_local(_str(sol, "modality")) or "asserted",
            quotation=(_str(sol, "quotation") or "false") in ("true", "1"),
            cue=_str(sol, "cue"),
            attributed_to=_agent(_str(sol, "attr"), agents),
            reported_by=_agent(_str(sol, "rep"), agents),
            document=docs[str(sol["doc"].value)],
            quote=quote,
        )
    return out


def _row_key(sol: pyoxigraph.QuerySolution) -> tuple[str, ...]:
    return tuple(_str(sol, v) or "" for v in ("attr", "rep", "cue", "modality", "start", "page"))


def _agent(iri: str | None, agents: dict[str, EntityInfo]) -> Agent | None:
    if iri is None:
        return None
    info = agents.get(iri)
    if info is None:
        return Agent(iri, iri.rsplit("/", 1)[-1], None)
    return Agent(iri, info.label, info.type, info.names)


def load_documents(source: SparqlBackend, iris: Iterable[str]) -> dict[str, DocumentInfo]:
    """Metadata and text of each document (every IRI asked for gets an entry, however little is known)."""
    wanted = sorted(set(iris))
    fields: dict[str, dict[str, str]] = {i: {} for i in wanted}
    multi: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for sol in _select(source, f"""
        SELECT ?doc ?p ?o WHERE {{
          {_values("doc", wanted)}
          VALUES ?p {{ dct:identifier dct:title dct:publisher dct:date dct:source dct:creator kg:path kg:format
                      kg:text rdf:type }}
          ?doc ?p ?o .
        }}"""):
        doc, prop, value = str(sol["doc"].value), str(sol["p"].value), str(sol["o"].value)
        name = prop.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if name in ("creator", "type"):
            multi[doc][name].add(value)
        elif doc in fields and (name not in fields[doc] or value < fields[doc][name]):
            fields[doc][name] = value
    out = {}
    for doc, f in fields.items():
        out[doc] = DocumentInfo(
            iri=doc, id=f.get("identifier", doc.rsplit("/doc/", 1)[-1]), title=f.get("title"),
            publisher=f.get("publisher"), date=f.get("date"), url=f.get("source"), path=f.get("path"),
            format=f.get("format"), types=tuple(sorted(multi[doc]["type"])),
            authors=tuple(sorted(multi[doc]["creator"])), text=f.get("text", ""),
        )
    return out


def is_news(doc: DocumentInfo) -> bool:
    return f"{_SCHEMA}NewsArticle" in doc.types


def is_report(doc: DocumentInfo) -> bool:
    return f"{_SCHEMA}Report" in doc.types or f"{ONTOLOGY_NS}Report" in doc.types or (
        doc.format == "pdf" and not is_news(doc))
