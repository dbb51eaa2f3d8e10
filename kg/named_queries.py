"""Named queries (``kg/queries/*.rq``) and the parameters users pass to queries.

Each ``.rq`` file starts with a comment header::

    # description: Every claim about an entity, with who made it, who reported it and where.
    # params: entity (entity) - the entity: a name, an alias or an IRI
    # params: modality (term, optional) - asserted, hedged or negated
    # example: kg query --name claims-about --param entity=DeepSeek

``# params: none`` when there are none. Kinds: ``entity`` (a name or alias, matched case-insensitively
against skos:prefLabel / skos:altLabel / kg:surfaceForm, or an IRI), ``iri``, ``string``, ``int``, and
``term`` (typed like ``--param`` on an ad-hoc query: ``<…>`` or ``prefix:name`` is an IRI, digits an
integer, ``"…"@lang`` / ``"…"^^type`` a literal of that type, anything else a string).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph

from kg.errors import InputError, QueryError
from kg.query import Answer, Dataset, run_query
from kg.sparql_backend import LocalBackend
from kg.sparql_format import Term, shorten

QUERIES_DIR = Path(__file__).resolve().parent / "queries"
KINDS = ("entity", "iri", "string", "int", "term")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<kind>[a-z]+)(?P<opt>,\s*optional)?\)"
                    r"\s*(?:[-—:]\s*(?P<help>.*))?$")
_PNAME = re.compile(r"^(?P<prefix>[A-Za-z][\w\-.]*)?:(?P<local>[^\s<>\"{}|^`\\]*)$")
_INT = re.compile(r"^[+-]?[0-9]+$")
_LITERAL = re.compile(r'^"(?P<value>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)'
                      r"|\^\^(?P<datatype><[^>]*>|[A-Za-z][\w\-.]*:[^\s]*))?$", re.DOTALL)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    optional: bool = False
    help: str = ""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    text: str
    example: str = ""


def parse_named_query(name: str, text: str, origin: str = "") -> NamedQuery:
    """Read the comment header of a named query; an incomplete header is an error naming the file."""
    where = origin or name
    description = ""
    example = ""
    params: list[Param] = []
    saw_params = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        key, _, value = stripped.lstrip("#").strip().partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "description":
            description = value
        elif key == "example":
            example = value
        elif key == "params":
            saw_params = True
            if value.lower() == "none":
                continue
            match = _PARAM.match(value)
            if not match or match.group("kind") not in KINDS:
                raise InputError(f"{where}: bad '# params:' line {value!r}; write 'name (kind[, optional]) - help' "
                                 f"with kind one of {', '.join(KINDS)}")
            params.append(Param(match.group("name"), match.group("kind"), bool(match.group("opt")),
                                (match.group("help") or "").strip()))
    if not description or not saw_params:
        raise InputError(f"{where}: a named query starts with '# description: …' and '# params: …' comment lines")
    return NamedQuery(name, description, tuple(params), text, example)


@lru_cache(maxsize=4)
def load_named_queries(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """All named queries, by name (the file name without .rq), sorted."""
    out: dict[str, NamedQuery] = {}
    for path in sorted(directory.glob("*.rq")):
        out[path.stem] = parse_named_query(path.stem, path.read_text(encoding="utf-8"), str(path))
    return out


def get_named_query(name: str) -> NamedQuery:
    queries = load_named_queries()
    if name not in queries:
        raise InputError(f"no named query '{name}'; `kg query --list` shows them ({', '.join(queries)})")
    return queries[name]


# --- parameter values ------------------------------------------------------------------------------------

def _unescape(value: str) -> str:
    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)",
                  lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] in "uU" and len(m.group(1)) > 1
                  else _ESCAPES.get(m.group(1), m.group(1)), value)


def _iri(value: str, prefixes: Mapping[str, str]) -> pyoxigraph.NamedNode | None:
    try:
        if value.startswith("<") and value.endswith(">"):
            return pyoxigraph.NamedNode(value[1:-1])
        match = _PNAME.match(value)
        if match and (match.group("prefix") or "") in prefixes:
            return pyoxigraph.NamedNode(prefixes[match.group("prefix") or ""] + match.group("local"))
    except ValueError as err:
        raise QueryError(f"{value!r} is not a valid IRI: {err}") from None
    return None


def parse_term(value: str, prefixes: Mapping[str, str]) -> Term:
    """Type a --param value: ``<…>`` or a known ``prefix:name`` is an IRI, digits an xsd:integer,
    ``"…"@en`` or ``"…"^^xsd:date`` a literal as written, anything else a plain string."""
    iri = _iri(value, prefixes)
    if iri is not None:
        return iri
    if _INT.match(value):
        return pyoxigraph.Literal(value, datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    match = _LITERAL.match(value)
    if match:
        text = _unescape(match.group("value"))
        try:
            if match.group("lang"):
                return pyoxigraph.Literal(text, language=match.group("lang"))
            if match.group("datatype"):
                datatype = _iri(match.group("datatype"), prefixes)
                if datatype is None:
                    raise QueryError(f"{value!r}: unknown datatype prefix in {match.group('datatype')}")
                return pyoxigraph.Literal(text, datatype=datatype)
        except ValueError as err:
            raise QueryError(f"{value!r} is not a valid literal: {err}") from None
        return pyoxigraph.Literal(text)
    return pyoxigraph.Literal(value)


_RESOLVE = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kg: <https://policy-kg.org/ns#>
SELECT DISTINCT ?entity ?rank ?label ?type WHERE {
  { ?entity skos:prefLabel ?name BIND(0 AS ?rank) }
  UNION { ?entity skos:altLabel ?name BIND(1 AS ?rank) }
  UNION { ?entity kg:ambiguousLabel ?name BIND(1 AS ?rank) }
  UNION { ?entity kg:surfaceForm ?name BIND(2 AS ?rank) }
  FILTER(LCASE(STR(?name)) = LCASE(STR(?needle)))
  OPTIONAL { ?entity skos:prefLabel ?label }
  OPTIONAL { ?entity a ?type }
}
ORDER BY ?rank ?entity ?type
"""
_RESOLVE_EXACT = _RESOLVE.replace("  FILTER(LCASE(STR(?name)) = LCASE(STR(?needle)))\n", "")
_EXISTS = "ASK { { ?entity ?p ?o } UNION { ?s ?p ?entity } }"


def _text(term: Term | None) -> str:
    return "" if term is None or isinstance(term, pyoxigraph.Triple) else term.value


_SKOS = "http://www.w3.org/2004/02/skos/core#"
_KG = "https://policy-kg.org/ns#"
_NAME_RANKS = ((_SKOS + "prefLabel", 0), (_SKOS + "altLabel", 1), (_KG + "ambiguousLabel", 1), (_KG + "surfaceForm", 2))
_RDF_TYPE = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_PREF_LABEL = pyoxigraph.NamedNode(_SKOS + "prefLabel")


def _exists_locally(store: pyoxigraph.Store, iri: pyoxigraph.NamedNode) -> bool:
    return any(True for _ in store.quads_for_pattern(iri, None, None)) or \
        any(True for _ in store.quads_for_pattern(None, None, iri))


def _names_locally(store: pyoxigraph.Store, needle: pyoxigraph.Literal) -> set[tuple[int, str]]:
    """(rank, entity IRI) of every entity with this exact name, from the store's indexes."""
    found: set[tuple[int, str]] = set()
    for predicate, rank in _NAME_RANKS:
        for quad in store.quads_for_pattern(None, pyoxigraph.NamedNode(predicate), needle):
            if isinstance(quad.subject, pyoxigraph.NamedNode):
                found.add((rank, quad.subject.value))
    return found


def _resolve_locally(store: pyoxigraph.Store, needle: pyoxigraph.Literal) -> Answer:
    """``_RESOLVE_EXACT`` answered from the store's indexes (the same rows, in the same order), without
    parsing and planning a query: on a local build, naming an entity costs microseconds, not milliseconds."""
    found = _names_locally(store, needle)
    rows: set[tuple[int, str, str, str]] = set()
    for rank, entity in found:
        node = pyoxigraph.NamedNode(entity)
        labels = {_text(q.object) for q in store.quads_for_pattern(node, _PREF_LABEL, None)} or {""}
        types = {q.object.value for q in store.quads_for_pattern(node, _RDF_TYPE, None)
                 if isinstance(q.object, pyoxigraph.NamedNode)} or {""}
        rows.update((rank, entity, label, kind) for label in labels for kind in types)
    integer = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    return Answer("SELECT", ("entity", "rank", "label", "type"), tuple(
        (pyoxigraph.NamedNode(entity), pyoxigraph.Literal(str(rank), datatype=integer),
         pyoxigraph.Literal(label) if label else None, pyoxigraph.NamedNode(kind) if kind else None)
        for rank, entity, label, kind in sorted(rows, key=lambda r: (r[0], r[1], r[3], r[2]))))


def resolve_entity(ds: Dataset, value: str) -> pyoxigraph.NamedNode:
    """An entity from an IRI, a prefixed name, or a name/alias (case-insensitive; preferred labels first)."""
    local = ds.backend.store if isinstance(ds.backend, LocalBackend) else None
    iri = _iri(value.strip(), ds.prefixes)
    if iri is not None:
        exists = _exists_locally(local, iri) if local is not None else \
            run_query(ds, _EXISTS, bindings={"entity": iri}).boolean
        if not exists:
            raise QueryError(f"{value}: no such entity in this build (try `kg query --name entity-aliases`)")
        return iri
    needle = pyoxigraph.Literal(value.strip())
    if local is not None:  # the usual case, one entity of that exact name at the best rank: no labels needed
        named = _names_locally(local, needle)
        best_named = {entity for rank, entity in named if rank == min(r for r, _ in named)} if named else set()
        if len(best_named) == 1:
            return pyoxigraph.NamedNode(best_named.pop())
    # Exact spelling first: an index lookup. Only when it finds nothing, the case-insensitive scan of every name.
    answer = _resolve_locally(local, needle) if local is not None else \
        run_query(ds, _RESOLVE_EXACT, bindings={"name": needle})
    if not answer.rows:
        answer = run_query(ds, _RESOLVE, bindings={"needle": needle})
    if not answer.rows:
        raise QueryError(f"no entity is named {value!r} (no label, alias or surface form matches); "
                         "`kg query --name entity-aliases` lists the names")
    best = min(int(_text(row[1])) for row in answer.rows)
    found: dict[str, str] = {}
    for entity, rank, label, kind in answer.rows:
        if int(_text(rank)) == best and isinstance(entity, pyoxigraph.NamedNode):
            kind_name = shorten(_text(kind), ds.prefixes) if kind else "untyped"
            found.setdefault(entity.value, f"{_text(label)} ({kind_name})")
    if len(found) > 1:
        choices = "; ".join(f"{shorten(iri, ds.prefixes)} {desc}" for iri, desc in sorted(found.items()))
        raise QueryError(f"{value!r} names {len(found)} entities: {choices}; pass one of these IRIs instead")
    return pyoxigraph.NamedNode(next(iter(found)))


def bind_params(ds: Dataset, raw: Mapping[str, str], params: Sequence[Param] | None) -> dict[str, Term]:
    """Turn ``name=value`` strings into terms: by declared kind for a named query, generically otherwise."""
    if params is None:
        return {name: parse_term(value, ds.prefixes) for name, value in raw.items()}
    declared = {p.name: p for p in params}
    for name in raw:
        if name not in declared:
            known = ", ".join(declared) or "none"
            raise QueryError(f"unknown parameter {name!r} (this query takes: {known})")
    out: dict[str, Term] = {}
    for param in params:
        if param.name not in raw or raw[param.name] == "":
            if not param.optional:
                raise QueryError(f"missing parameter: --param {param.name}=… ({param.help or param.kind})")
            continue
        out[param.name] = _typed(ds, param, raw[param.name])
    return out


def _typed(ds: Dataset, param: Param, value: str) -> Term:
    if param.kind == "entity":
        return resolve_entity(ds, value)
    if param.kind == "iri":
        iri = _iri(value, ds.prefixes)
        if iri is None:
            raise QueryError(f"--param {param.name}: {value!r} is not an IRI (write <…> or prefix:name)")
        return iri
    if param.kind == "int":
        if not _INT.match(value.strip()):
            raise QueryError(f"--param {param.name}: {value!r} is not an integer")
        return pyoxigraph.Literal(value.strip(),
                                  datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    if param.kind == "string":
        return pyoxigraph.Literal(value)
    return parse_term(value, ds.prefixes)


def run_named(ds: Dataset, name: str, raw: Mapping[str, str], *, max_rows: int | None = None,
              trusted: bool = True) -> Answer:
    query = get_named_query(name)
    return run_query(ds, query.text, bindings=bind_params(ds, raw, query.params), max_rows=max_rows,
                     trusted=trusted)


__all__ = ["KINDS", "QUERIES_DIR", "NamedQuery", "Param", "bind_params", "get_named_query", "load_named_queries",
           "parse_named_query", "parse_term", "resolve_entity", "run_named"]
