"""Look at a SPARQL query before running it: its form, its dataset clauses, its variables, and whether it
tries to reach outside the build (SERVICE) or change it (an update).

Two independent readers agree before a query runs:

* a small tokenizer that knows SPARQL's strings, comments, IRIs and names, so a ``SERVICE`` keyword is
  found wherever it is code and ignored where it is text (``"SERVICE"``, ``# SERVICE``, ``<http://x/SERVICE>``);
* rdflib's SPARQL 1.1 grammar (a real parser), which settles the one place a tokenizer cannot: ``<`` is both
  the start of an IRI and the less-than operator, so ``FILTER(?a<?b)SERVICE#>`` hides a keyword from any
  context-free scan but not from the grammar.

Pyoxigraph evaluates ``SERVICE`` by making an HTTP request, and treats ``FROM <file:///…>`` as the name of a
graph (it never reads files); both are refused here so that nothing a query says reaches outside the build.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql import parser as rdflib_parser
from rdflib.plugins.sparql.parserutils import CompValue

from kg.errors import QueryError


class QueryRefused(QueryError):
    """The query asks for something this tool never does (SERVICE, graphs outside the build)."""


class UpdateRefused(QueryError):
    """The text is a SPARQL update; the graph is read-only."""


class QuerySyntaxError(QueryError):
    """The query is not valid SPARQL; ``line`` and ``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f"line {line}, column {column}: " if line is not None and column is not None else ""
        super().__init__(f"SPARQL syntax error at {where}{message}" if where else f"SPARQL syntax error: {message}")
        self.line = line
        self.column = column
        self.detail = message


_PN_CHARS = r"A-Za-z0-9_\-\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F-\u2040" \
            r"\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF"
_TOKEN = re.compile(
    r"""
     (?P<ws>\s+)
    |(?P<comment>\#[^\n\r]*)
    |(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    |(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    |(?P<var>[?$][PN]+)
    |(?P<pname>(?:[PN]+)?:(?:[PN:%.]|\\.)*)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<other>.)
    """.replace("[PN]", f"[{_PN_CHARS}]").replace("[PN:%.]", f"[{_PN_CHARS}:%.]"),
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # ws, comment, iri, string, var, pname, word, other
    text: str
    start: int


def tokenize(text: str) -> Iterator[Token]:
    """SPARQL tokens in order (whitespace and comments included)."""
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match is not None and match.lastgroup is not None  # (?P<other>.) matches any character
        yield Token(match.lastgroup, match.group(), pos)
        pos = match.end()


@dataclass(frozen=True)
class QueryInfo:
    """What a query is, read before it runs."""

    form: str  # SELECT, CONSTRUCT, DESCRIBE or ASK
    default_graphs: tuple[str, ...]  # FROM <…>
    named_graphs: tuple[str, ...]  # FROM NAMED <…>
    variables: frozenset[str]  # names without ? or $

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _walk(node: object) -> Iterator[CompValue]:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list | tuple | ParseResults):
            stack.extend(item)


def _resolve(term: object, prefixes: Mapping[str, str], base: str | None) -> str:
    if isinstance(term, CompValue) and term.name == "pname":
        prefix = str(dict.get(term, "prefix", ""))
        if prefix not in prefixes:
            raise QuerySyntaxError(f"the prefix '{prefix}:' is not declared (add PREFIX {prefix}: <…>)")
        return prefixes[prefix] + str(dict.get(term, "localname", ""))
    iri = str(term)
    return urljoin(base, iri) if base and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri) else iri


def near_position(text: str, line: int, column: int) -> tuple[str, int]:
    """What a parser stopped at, for a message (``'}'``, ``end of line``, ``end of query``), and its column.

    Pyoxigraph reports the furthest point it reached, which can be just past the offending token; then the
    token before it on the same line is the one to show."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return "end of query", column
    current = lines[line - 1]
    start = max(column - 1, 0)
    after = re.compile(r"\S+").search(current, start)
    before = list(re.compile(r"\S+").finditer(current, 0, start))
    found = after or (before[-1] if before else None)
    if found is None:
        return ("end of query" if not "".join(lines[line:]).strip() else "end of line"), column
    token = found.group()
    return repr(token if len(token) <= 20 else token[:20] + "…"), found.start() + 1


def find_service(text: str) -> int | None:
    """Offset of a SERVICE keyword written as code (not inside a string, comment, IRI or name), or None."""
    for token in tokenize(text):
        if token.kind == "word" and token.text.upper() == "SERVICE":
            return token.start
    return None


@functools.lru_cache(maxsize=256)
def query_variables(text: str) -> frozenset[str]:
    """The variable names (without ? or $) a query mentions; cached, as a named query's text repeats."""
    return frozenset(t.text[1:] for t in tokenize(text) if t.kind == "var")


def inspect_query(text: str, prefixes: Mapping[str, str]) -> QueryInfo:
    """Read a query with both readers. Raises QueryRefused, UpdateRefused or QuerySyntaxError.

    ``prefixes`` are the ones the query may use without declaring them; its own PREFIX lines win.
    The answer depends only on its arguments, and rdflib's reader costs ~100 ms a query, so it is cached
    (a named query, or a query a client repeats, is read once per process).
    """
    return _inspect_cached(text, tuple(sorted(prefixes.items())))


@functools.lru_cache(maxsize=256)
def _inspect_cached(text: str, prefix_items: tuple[tuple[str, str], ...]) -> QueryInfo:
    prefixes = dict(prefix_items)
    service_at = find_service(text)
    if service_at is not None:
        line, col = _line_col(text, service_at)
        raise QueryRefused(f"SERVICE (line {line}, column {col}) is refused: queries run only over the build's "
                           "graph and never reach the network")
    try:
        parsed = rdflib_parser.parseQuery(text)
    except ParseBaseException as err:
        if _is_update(text):
            raise UpdateRefused("updates are refused: the graph is read-only (INSERT, DELETE, LOAD, CLEAR, "
                                "DROP, CREATE, ADD, MOVE and COPY cannot be run)") from None
        near, column = near_position(text, err.lineno, err.column)
        raise QuerySyntaxError(f"unexpected {near}", err.lineno, column) from None
    except (ValueError, TypeError, RecursionError) as err:
        raise QuerySyntaxError(str(err).splitlines()[0] if str(err) else type(err).__name__) from None
    prologue, query = parsed[0], parsed[1]
    declared = dict(prefixes)
    base: str | None = None
    for decl in prologue:
        if decl.name == "PrefixDecl":
            declared[str(dict.get(decl, "prefix", ""))] = _resolve(decl["iri"], {}, base)
        elif decl.name == "Base":
            base = _resolve(decl["iri"], {}, base)
    for node in _walk(query):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE is refused: queries run only over the build's graph and never reach the "
                               "network")
    default: list[str] = []
    named: list[str] = []
    for clause in query.get("datasetClause") or []:
        if "default" in clause:
            default.append(_resolve(clause["default"], declared, base))
        if "named" in clause:
            named.append(_resolve(clause["named"], declared, base))
    form = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE",
            "AskQuery": "ASK"}[query.name]
    return QueryInfo(form, tuple(default), tuple(named), query_variables(text))


def _is_update(text: str) -> bool:
    try:
        rdflib_parser.parseUpdate(text)
    except (ParseBaseException, ValueError, TypeError, RecursionError):
        return False
    return True


def check_dataset(iris: tuple[str, ...], available: frozenset[str], where: str) -> None:
    """Refuse graph names that are not graphs of the build (a FROM never loads anything)."""
    for iri in iris:
        if iri not in available:
            raise QueryRefused(f"{where} <{iri}> is not a graph of this build; only the build's named graphs can "
                               "be selected (nothing is ever loaded from files or the network)")


__all__ = ["QueryInfo", "QueryRefused", "QuerySyntaxError", "Token", "UpdateRefused", "check_dataset",
           "find_service", "inspect_query", "near_position", "query_variables", "tokenize"]
