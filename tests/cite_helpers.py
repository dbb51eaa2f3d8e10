"""Hand-built extractions, and a store in the shape of docs/graph-model.md, for the clustering and cite tests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pyoxigraph as ox

from kg.iris import Iris
from kg.records import Claim, ClaimCluster, Document, Entity, Extraction, Mention, Modality, Ref
from kg.vocab import DCTERMS, KG, OA, PROV, RDF, SCHEMA, SKOS, XSD

IRIS = Iris()

# surface form -> (entity key, type, canonical label)
ENTITIES: dict[str, tuple[str, str, str]] = {
    "China": ("china", "Country", "China"),
    "Chinese": ("china", "Country", "China"),
    "US": ("united-states", "Country", "United States"),
    "U.S.": ("united-states", "Country", "United States"),
    "United States": ("united-states", "Country", "United States"),
    "American": ("united-states", "Country", "United States"),
    "DeepSeek": ("deepseek", "Lab", "DeepSeek"),
    "Alibaba": ("alibaba", "Company", "Alibaba"),
    "Qwen": ("qwen", "Model", "Qwen"),
    "Meta": ("meta", "Company", "Meta"),
    "Llama": ("llama", "Model", "Llama"),
    "Stanford": ("stanford-university", "University", "Stanford University"),
    "South China Morning Post": ("south-china-morning-post", "NewsOutlet", "South China Morning Post"),
    "SCMP": ("south-china-morning-post", "NewsOutlet", "South China Morning Post"),
    "DigiChina": ("digichina", "ResearchCenter", "DigiChina Project"),
    "the brief": ("beyond-deepseek-brief", "Report", "Beyond DeepSeek issue brief"),
    "Stanford report": ("beyond-deepseek-brief", "Report", "Beyond DeepSeek issue brief"),
    "Hugging Face": ("hugging-face", "Company", "Hugging Face"),
}


def entity_iri(surface: str) -> str:
    return IRIS.entity_key(ENTITIES[surface][0])


def make_extraction(
    doc_id: str,
    sentences: Sequence[str],
    *,
    publisher: str | None = None,
    title: str | None = None,
    url: str | None = None,
    date: str | None = "2025-12-16",
    authors: tuple[str, ...] = (),
    fmt: str = "md",
    modality: dict[int, Modality] | None = None,
    attributed: dict[int, str] | None = None,
    cues: dict[int, str] | None = None,
    reported_by: str | None = None,
    header: str = "",
    page_starts: tuple[int, ...] = (),
) -> Extraction:
    """One document made of ``sentences`` (each one a claim) after an optional ``header``; entity mentions are
    found by name; ``attributed`` maps a sentence index to the surface form of who made that claim."""
    text = header + " ".join(sentences)
    doc = Document(id=doc_id, path=f"{doc_id}.{fmt}", format=fmt, text=text,
                   sha256=hashlib.sha256(text.encode()).hexdigest(), url=url, title=title, publisher=publisher,
                   date=date, authors=authors, page_starts=page_starts)
    mentions: dict[str, list[Mention]] = {}
    for surface, (key, _type, _label) in ENTITIES.items():
        start = 0
        while (pos := text.find(surface, start)) >= 0:
            end = pos + len(surface)
            if (pos == 0 or not text[pos - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
                mentions.setdefault(key, []).append(Mention(pos, end, surface, IRIS.entity_key(key)))
            start = end
    keys = set(mentions)
    for surface in [*(attributed or {}).values(), *([reported_by] if reported_by else [])]:
        keys.add(ENTITIES[surface][0])
    entities = []
    for key in sorted(keys):
        _k, type_, label = next(v for v in ENTITIES.values() if v[0] == key)
        aliases = tuple(sorted({s for s, v in ENTITIES.items() if v[0] == key} - {label}))
        entities.append(Entity(IRIS.entity_key(key), label, type_, aliases=aliases,
                               mentions=tuple(sorted(mentions.get(key, []), key=lambda m: m.start))))
    claims = []
    offset = len(header)
    for n, sentence in enumerate(sentences):
        start, end = offset, offset + len(sentence)
        assert text[start:end] == sentence
        about = tuple(sorted({m.entity_id for ms in mentions.values() for m in ms if start <= m.start < end}))
        who = (attributed or {}).get(n)
        claims.append(Claim(
            id=IRIS.claim(doc_id, start, end), text=sentence, start=start, end=end,
            modality=(modality or {}).get(n, "asserted"), about=about, cue=(cues or {}).get(n),
            attributed_to=Ref(entity_iri(who), ENTITIES[who][2]) if who else None,
            reported_by=Ref(entity_iri(reported_by), ENTITIES[reported_by][2]) if reported_by else None,
            page=doc.page_of(start),
        ))
        offset = end + 1
    return Extraction(doc, tuple(entities), (), tuple(claims))


def _lit(value: str | int | bool, datatype: ox.NamedNode | None = None) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(str(XSD.boolean)))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(str(XSD.integer)))
    return ox.Literal(value, datatype=datatype) if datatype else ox.Literal(value)


def graph_store(
    extractions: Sequence[Extraction],
    clusters: Sequence[ClaimCluster],
    relations: Sequence[tuple[str, str, str]] = (),
) -> ox.Store:
    """An in-memory store holding what `kg cite` reads, in the shape of docs/graph-model.md."""
    store = ox.Store()
    n = ox.NamedNode

    def uri(term: object) -> ox.NamedNode:
        return n(str(term))

    onto, cross = n(IRIS.ontology_graph), n(IRIS.cross_graph)
    quads: list[ox.Quad] = []
    seen: set[str] = set()
    for ex in extractions:
        for ent in ex.entities:
            if ent.id in seen:
                continue
            seen.add(ent.id)
            quads.append(ox.Quad(n(ent.id), uri(RDF.type), uri(KG[ent.type]), onto))
            quads.append(ox.Quad(n(ent.id), uri(SKOS.prefLabel), _lit(ent.name), onto))
            quads.extend(ox.Quad(n(ent.id), uri(SKOS.altLabel), _lit(a), onto) for a in ent.aliases)
    for s, p, o in relations:
        quads.append(ox.Quad(n(s), uri(KG[p]), n(o), cross))
    for ex in extractions:
        doc = ex.document
        g = n(IRIS.document_graph(doc.id))
        d = n(IRIS.document(doc.id))
        quads.append(ox.Quad(d, uri(RDF.type), uri(KG.Document), g))
        kind = SCHEMA.Report if doc.format == "pdf" else SCHEMA.NewsArticle
        quads.append(ox.Quad(d, uri(RDF.type), uri(kind), g))
        for prop, value in ((DCTERMS.identifier, doc.id), (DCTERMS.title, doc.title),
                            (DCTERMS.publisher, doc.publisher), (KG.path, doc.path), (KG["format"], doc.format),
                            (KG.text, doc.text), (KG.sha256, doc.sha256)):
            if value is not None:
                quads.append(ox.Quad(d, uri(prop), _lit(value), g))
        if doc.date:
            quads.append(ox.Quad(d, uri(DCTERMS.date), _lit(doc.date, uri(XSD.date)), g))
        if doc.url:
            quads.append(ox.Quad(d, uri(DCTERMS.source), n(doc.url), g))
        quads.extend(ox.Quad(d, uri(DCTERMS.creator), _lit(a), g) for a in doc.authors)
        quads.extend(ox.Quad(n(r.subject), uri(KG[r.predicate]), n(r.object), g) for r in ex.relations)
        if doc.page_starts:
            quads.append(ox.Quad(d, uri(KG.pageStarts), _lit(" ".join(map(str, doc.page_starts))), g))
        for c in ex.claims:
            ci = n(c.id)
            target, qs, ps = n(Iris.target(c.id)), n(Iris.quote_selector(c.id)), n(Iris.position_selector(c.id))
            quads += [
                ox.Quad(ci, uri(RDF.type), uri(KG.Claim), g),
                ox.Quad(ci, uri(RDF.type), uri(SCHEMA.Claim), g),
                ox.Quad(ci, uri(KG.text), _lit(c.text), g),
                ox.Quad(ci, uri(KG.statedIn), d, g),
                ox.Quad(ci, uri(PROV.wasDerivedFrom), d, g),
                ox.Quad(ci, uri(KG.modality), uri(KG[c.modality]), g),
                ox.Quad(ci, uri(KG.quotation), _lit(c.quotation), g),
                ox.Quad(ci, uri(KG.evidence), target, g),
                ox.Quad(target, uri(RDF.type), uri(OA.SpecificResource), g),
                ox.Quad(target, uri(OA.hasSource), d, g),
                ox.Quad(target, uri(OA.hasSelector), qs, g),
                ox.Quad(target, uri(OA.hasSelector), ps, g),
                ox.Quad(qs, uri(RDF.type), uri(OA.TextQuoteSelector), g),
                ox.Quad(qs, uri(OA.exact), _lit(doc.text[c.start:c.end]), g),
                ox.Quad(qs, uri(OA.prefix), _lit(doc.text[max(0, c.start - 32):c.start]), g),
                ox.Quad(qs, uri(OA.suffix), _lit(doc.text[c.end:c.end + 32]), g),
                ox.Quad(ps, uri(RDF.type), uri(OA.TextPositionSelector), g),
                ox.Quad(ps, uri(OA.start), _lit(c.start), g),
                ox.Quad(ps, uri(OA.end), _lit(c.end), g),
            ]
            if c.page is not None:
                quads.append(ox.Quad(target, uri(KG.page), _lit(c.page), g))
            if c.cue:
                quads.append(ox.Quad(ci, uri(KG.cue), _lit(c.cue), g))
            for prop, ref in ((KG.attributedTo, c.attributed_to), (KG.reportedBy, c.reported_by)):
                if ref is not None:
                    quads.append(ox.Quad(ci, uri(prop), n(ref.id), g))
            quads.extend(ox.Quad(ci, uri(KG.about), n(e), g) for e in c.about)
    for cl in clusters:
        ci = n(cl.id)
        quads += [
            ox.Quad(ci, uri(RDF.type), uri(KG.ClaimCluster), cross),
            ox.Quad(ci, uri(KG.label), _lit(cl.label), cross),
            ox.Quad(ci, uri(KG.sourceCount), _lit(cl.sources), cross),
            ox.Quad(ci, uri(KG.independentSourceCount), _lit(cl.independent_sources), cross),
        ]
        quads.extend(ox.Quad(ci, uri(KG.hasMember), n(m), cross) for m in cl.members)
        quads.extend(ox.Quad(ci, uri(KG.contradicts), n(o), cross) for o in cl.contradicts)
    store.extend(quads)
    return store
