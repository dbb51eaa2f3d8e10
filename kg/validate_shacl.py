"""SHACL for `kg validate`: run pyshacl over a build's union graph and turn its results into findings.

Speed. pyshacl validates a top-level shape over all its focus nodes in one call, but a property shape reached
through ``sh:property`` (or a shape reached through ``sh:node`` / ``sh:qualifiedValueShape``) once per focus
node, rebuilding its constraint objects each time: about 0.1 ms per node and property shape, 9.5 s for the
20,000 mentions of a 200-document build. :func:`batched` therefore hands pyshacl an equivalent shapes graph
in which each property shape of a top-level node shape carries that node shape's targets itself; SHACL
defines a node shape's sh:property as exactly that check, so the results are the same, shape for shape.
``ontology/shapes.ttl`` itself avoids nested shapes on nodes that grow with the corpus (see its comments).

pyshacl runs with no inference, no SHACL-AF, no meta-SHACL, no owl:imports and no JavaScript, in place on
the data graph (which is never the ontology closure).
"""

from __future__ import annotations

import rdflib
import rdflib.plugins.sparql
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from kg.errors import ValidationRunError
from kg.validate_checks import Finding, Shortener

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf)
_CLASSES = (RDFS.Class, rdflib.OWL.Class)


def batched(shapes: rdflib.Graph) -> rdflib.Graph:
    """``shapes`` with each property shape of a top-level node shape targeted directly (same results, batched).

    A node shape is left as it is when another shape refers to it (it is then also checked nested) or when it
    is deactivated."""
    out = rdflib.Graph()
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace, override=True, replace=True)  # pyshacl writes default messages with these
    for triple in shapes:
        out.add(triple)
    for node in sorted(set(shapes.subjects(SH.property, None)), key=str):
        if next(shapes.subjects(None, node), None) is not None or shapes.value(node, SH.deactivated) is not None:
            continue
        targets = [(p, o) for p in _TARGETS for o in shapes.objects(node, p)]
        if any((node, RDF.type, cls) in shapes for cls in _CLASSES):
            targets.append((SH.targetClass, node))  # implicit class target
        if not targets:
            continue
        for prop in list(shapes.objects(node, SH.property)):
            for p, o in targets:
                out.add((prop, p, o))
            out.remove((node, SH.property, prop))
    return out


def _path_name(shapes: rdflib.Graph, path: Node | None, short: Shortener) -> str | None:
    """``kg:text`` for a predicate path, ``oa:hasSelector/rdf:type`` for a sequence path, else None."""
    if isinstance(path, rdflib.URIRef):
        return short(path)
    if isinstance(path, rdflib.BNode) and (path, RDF.first, None) in shapes:
        steps = list(rdflib.collection.Collection(shapes, path))
        if all(isinstance(step, rdflib.URIRef) for step in steps):
            return "/".join(short(step) for step in steps)
    return None


def shape_name(shapes: rdflib.Graph, shape: Node | None, short: Shortener) -> str:
    """The shape's kgsh: name, or its parent's name with the path (``kgsh:MentionShape[oa:start]``)."""
    if not isinstance(shape, rdflib.BNode):
        return short(shape)
    for link in (SH.property, SH.sparql, SH.qualifiedValueShape, SH.node):
        for parent in shapes.subjects(link, shape):
            inner = _path_name(shapes, shapes.value(shape, SH.path), short) or link.split("#")[1]
            return f"{shape_name(shapes, parent, short)}[{inner}]"
    return "[anonymous shape]"


def _source(results: rdflib.Graph, result: Node) -> Node | None:
    """The named SPARQL constraint that failed, else the shape."""
    constraint = results.value(result, SH.sourceConstraint)
    if isinstance(constraint, rdflib.URIRef):
        return constraint
    return results.value(result, SH.sourceShape)


def shacl_findings(data: rdflib.Graph, shapes: rdflib.Graph, short: Shortener) -> list[Finding]:
    """Validate ``data`` against ``shapes``; one finding per validation result, named after ``shapes``."""
    import pyshacl  # slow to import: only when SHACL runs

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM <...> graphs while validating
    try:
        _conforms, results, _text = pyshacl.validate(
            data, shacl_graph=batched(shapes), inference="none", abort_on_first=False, allow_warnings=True,
            advanced=False, meta_shacl=False, do_owl_imports=False, js=False, inplace=True,
        )  # fmt: skip
    except Exception as err:  # pyshacl raises its own error types for bad shapes
        raise ValidationRunError(f"SHACL validation could not run: {err}") from err
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        path = results.value(result, SH.resultPath)
        source = _source(results, result)
        if isinstance(path, rdflib.URIRef):
            path_text: str | None = short(path)
        else:  # a sequence path: read it from the shape
            path_text = _path_name(shapes, shapes.value(source, SH.path), short) if source is not None else None
        findings.append(
            Finding(
                focus=short(results.value(result, SH.focusNode)),
                shape=shape_name(shapes, source, short),
                message=short.text(messages[0]) if messages else "does not conform",
                path=path_text,
                value=short(results.value(result, SH.value)) or None,
                severity="warning" if severity in (SH.Warning, SH.Info) else "violation",
            )
        )
    return findings


__all__ = ["batched", "shacl_findings", "shape_name"]
