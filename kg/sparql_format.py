"""Write SPARQL results: the W3C result formats (JSON, XML, CSV, TSV), RDF for graph results, and an aligned
text table for people.

Written here rather than with pyoxigraph's serializers so that a capped result can say it was cut:
JSON gets a top-level ``"truncated": true`` (placed first, so streaming parsers see it before the rows),
XML a ``<link href="…#truncated"/>`` in its head (the slot the format defines for metadata); every format
also gets the HTTP header ``X-Truncated: true`` from the server.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph

Term = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple
Row = tuple[Term | None, ...]

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
                             "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt")}
TRUNCATED_LINK = "https://policy-kg.org/ns#truncated"

RESULT_FORMATS = ("json", "xml", "csv", "tsv")
GRAPH_FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld")
_RDF_FORMATS = {
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
    "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
}
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --- terms -----------------------------------------------------------------------------------------------

def term_json(term: Term) -> dict[str, object]:
    """A term as a SPARQL 1.1 JSON results binding (RDF 1.2 triple terms as ``"type": "triple"``)."""
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": term_json(term.subject), "predicate": term_json(term.predicate),
                                        "object": term_json(term.object)}}


def _xml_text(value: str) -> str:
    return escape(_XML_INVALID.sub("\ufffd", value))


def _term_xml(term: Term) -> str:
    if isinstance(term, pyoxigraph.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, pyoxigraph.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{_xml_text(term.value)}</literal>"
        return f"<literal>{_xml_text(term.value)}</literal>"
    return (f"<triple><subject>{_term_xml(term.subject)}</subject><predicate>{_term_xml(term.predicate)}"
            f"</predicate><object>{_term_xml(term.object)}</object></triple>")


def _term_csv(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, pyoxigraph.Triple):
        return str(term)
    return term.value


def _term_tsv(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.Literal) and term.datatype.value in (XSD + "integer", XSD + "boolean") \
            and re.fullmatch(r"[+-]?[0-9]+|true|false", term.value):
        return term.value
    return str(term)  # N-Triples syntax, which escapes tabs and newlines


# --- result documents ------------------------------------------------------------------------------------

def results_json(variables: Sequence[str], rows: Sequence[Row], truncated: bool = False) -> bytes:
    doc: dict[str, object] = {"truncated": True} if truncated else {}
    doc["head"] = {"vars": list(variables)}
    doc["results"] = {"bindings": [{v: term_json(t) for v, t in zip(variables, row, strict=True) if t is not None}
                                   for row in rows]}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def results_xml(variables: Sequence[str], rows: Sequence[Row], truncated: bool = False) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
    if truncated:
        out.append(f"<link href={quoteattr(TRUNCATED_LINK)}/>")
    out.append("</head>\n<results>\n")
    for row in rows:
        out.append("<result>")
        out.extend(f"<binding name={quoteattr(v)}>{_term_xml(t)}</binding>"
                   for v, t in zip(variables, row, strict=True) if t is not None)
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode("utf-8")


def results_csv(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(variables)
    writer.writerows([_term_csv(t) for t in row] for row in rows)
    return buf.getvalue().encode("utf-8")


def results_tsv(variables: Sequence[str], rows: Sequence[Row]) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines.extend("\t".join(_term_tsv(t) for t in row) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_results(fmt: str, variables: Sequence[str], rows: Sequence[Row], truncated: bool = False) -> bytes:
    if fmt == "json":
        return results_json(variables, rows, truncated)
    if fmt == "xml":
        return results_xml(variables, rows, truncated)
    if fmt == "csv":
        return results_csv(variables, rows)
    if fmt == "tsv":
        return results_tsv(variables, rows)
    raise ValueError(f"not a result format: {fmt}")


def write_boolean(fmt: str, value: bool) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt == "xml":
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
                f"<head/>\n<boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n").encode()
    return b"true\n" if value else b"false\n"


def write_graph(fmt: str, triples: Sequence[pyoxigraph.Triple], prefixes: Mapping[str, str]) -> bytes:
    """Triples as RDF, sorted (same result, same bytes); Turtle declares only the prefixes it uses."""
    ordered = sorted(triples, key=str)
    if fmt == "turtle":
        used_names = {_longest_prefix(x.value, prefixes) for t in ordered for x in (t.subject, t.predicate, t.object)
                      if isinstance(x, pyoxigraph.NamedNode)}
        used = {name: ns for name, ns in prefixes.items() if name in used_names}
        return pyoxigraph.serialize(ordered, format=pyoxigraph.RdfFormat.TURTLE, prefixes=used) or b""
    return pyoxigraph.serialize(ordered, format=_RDF_FORMATS[fmt]) or b""


# --- tables for people -----------------------------------------------------------------------------------

_LOCAL = re.compile(r"^[A-Za-z0-9_\-.~/%\u00C0-\U000EFFFF]*$")


def _longest_prefix(iri: str, prefixes: Mapping[str, str]) -> str | None:
    best: str | None = None
    for name, ns in prefixes.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(prefixes[best])) and _LOCAL.match(iri[len(ns):]):
            best = name
    return best


def shorten(iri: str, prefixes: Mapping[str, str]) -> str:
    """``https://policy-kg.org/ns#Lab`` -> ``kg:Lab`` with the longest matching namespace, else ``<iri>``."""
    name = _longest_prefix(iri, prefixes)
    return f"<{iri}>" if name is None else f"{name}:{iri[len(prefixes[name]):]}"


def display(term: Term | None, prefixes: Mapping[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.NamedNode):
        return shorten(term.value, prefixes)
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, pyoxigraph.Literal):
        return term.value
    return f"<< {display(term.subject, prefixes)} {display(term.predicate, prefixes)} " \
           f"{display(term.object, prefixes)} >>"


def text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def cut(text: str, width: int) -> str:
    """One line, at most ``width`` columns wide, ending in … when cut."""
    text = " ".join(text.split())
    if text_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = text_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - text_width(text))
    return space + text if right else text + space


def render_table(variables: Sequence[str], rows: Sequence[Row], prefixes: Mapping[str, str],
                 max_width: int = 60, truncated: bool = False) -> str:
    """Aligned columns, IRIs shortened, long cells cut, numbers right-aligned, and a row count."""
    cells = [[cut(display(t, prefixes), max_width) for t in row] for row in rows]
    widths = [max([text_width(v)] + [text_width(r[i]) for r in cells]) for i, v in enumerate(variables)]
    numeric = [bool(rows) and all(t is None or (isinstance(t, pyoxigraph.Literal) and t.datatype.value in NUMERIC)
                                  for t in (row[i] for row in rows)) for i in range(len(variables))]
    lines = ["  ".join(_pad(v, w, n) for v, w, n in zip(variables, widths, numeric, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines.extend("  ".join(_pad(c, w, n) for c, w, n in zip(r, widths, numeric, strict=True)).rstrip()
                 for r in cells)
    count = f"({len(rows)} row{'s' if len(rows) != 1 else ''}{', truncated' if truncated else ''})"
    return "\n".join([*lines, count]) + "\n"


__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "Row", "Term", "cut", "display", "render_table", "results_csv",
           "results_json", "results_tsv", "results_xml", "shorten", "term_json", "text_width", "write_boolean",
           "write_graph", "write_results"]
