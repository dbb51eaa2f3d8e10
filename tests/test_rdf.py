"""Records -> triples (kg.rdf, kg.rdf_cross) and the deterministic TriG writer (kg.trig), on hand-built records."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph
import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, SKOS, XSD
from rdflib.term import BNode, Literal, URIRef

from kg.build import build_prefixes, vocabulary
from kg.config import Settings
from kg.iris import Iris
from kg.rdf import Activity, check_extraction, date_literal, document_block, document_lines, url_term
from kg.rdf_cross import canonical_entities, cross_graph, dangling_references
from kg.records import Claim, ClaimCluster, Document, Entity, Extraction, Mention, Merge, Ref, Relation, Span
from kg.seed import load_seed, ontology_graph
from kg.trig import Prefixes, canonical_lines, nt_string, nt_term, sort_lines
from kg.vocab import KG, OA, SCHEMA

IRIS = Iris()
E = IRIS.base + "entity/"
TEXT = ("Chinese open models now perform at near state-of-the-art levels. "
        "Alibaba's Qwen may have moved ahead, the report said.\n"
        "Moonshot AI released \"Kimi\" — 月之暗面 — in Beijing.")
#        0         1         2         3         4         5         6
#        0123456789012345678901234567890123456789012345678901234567890123456789


@pytest.fixture(scope="module")
def seed():  # type: ignore[no-untyped-def]
    return load_seed(Settings())


@pytest.fixture(scope="module")
def vocab():  # type: ignore[no-untyped-def]
    return vocabulary(ontology_graph(Settings()))


ACTIVITY = Activity(IRIS.activity("0.1.0", "abcd"), "0.1.0", "abcd")


def _doc(**kw: object) -> Document:
    base: dict[str, object] = dict(id="news/a b", path="news/a b.md", format="md", text=TEXT, sha256="0" * 64,
                                   url="https://example.org/news/a b?x=1", title="Chinese models close in",
                                   publisher="South China Morning Post", date="2025-12-16", authors=("A. Writer",))
    base.update(kw)
    return Document(**base)  # type: ignore[arg-type]


def _span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def _extraction(doc: Document | None = None) -> Extraction:
    doc = doc or _doc()
    text = doc.text
    a0, a1 = _span(text, "Alibaba")
    q0, q1 = _span(text, "Qwen")
    m0, m1 = _span(text, "Moonshot AI")
    c0, c1 = _span(text, "Alibaba's Qwen may have moved ahead, the report said.")
    k0, k1 = _span(text, "Chinese open models now perform at near state-of-the-art levels.")
    ents = (
        Entity(E + "alibaba", "Alibaba", "Company", mentions=(Mention(a0, a1, "Alibaba", E + "alibaba"),),
               in_seed=True),
        Entity(E + "qwen", "Qwen", "Model", mentions=(Mention(q0, q1, "Qwen", E + "qwen"),), in_seed=True),
        Entity(E + "moonshot-ai", "Moonshot AI", "Lab", aliases=("Moonshot",),
               mentions=(Mention(m0, m1, "Moonshot AI", E + "moonshot-ai"),),
               merges=(Merge("Moonshot", "short-form"),)),
    )
    rels = (Relation(E + "qwen", "developedBy", E + "alibaba", Span(a0, q1, text[a0:q1]), "possessive", 0.85),)
    claims = (
        Claim(IRIS.claim(doc.id, k0, k1), text[k0:k1], k0, k1, "asserted", about=(E + "china",)),
        Claim(IRIS.claim(doc.id, c0, c1), text[c0:c1], c0, c1, "hedged", cue="said", quotation=False,
              attributed_to=Ref(E + "alibaba", "Alibaba"), reported_by=Ref(E + "south-china-morning-post", "SCMP"),
              about=(E + "alibaba", E + "qwen")),
    )
    return Extraction(document=doc, entities=ents, relations=rels, claims=claims)


def _graph(triples: object) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in triples:  # type: ignore[attr-defined]
        g.add(t)
    return g


def _doc_graph(ex: Extraction, seed: object) -> rdflib.Graph:
    """A document graph as rdflib reads it back from the lines the build writes."""
    lines = document_lines(ex, IRIS, ACTIVITY, seed)  # type: ignore[arg-type]
    assert lines == sort_lines(lines)
    return rdflib.Graph().parse(data="\n".join(lines), format="nt")


def test_document_metadata_uses_dublin_core_prov_and_typed_literals(seed) -> None:  # type: ignore[no-untyped-def]
    g = _doc_graph(_extraction(), seed)
    d = URIRef(IRIS.document("news/a b"))
    assert str(d).endswith("/doc/news/a%20b")  # a space in an id still gives a valid IRI
    assert set(g.objects(d, RDF.type)) == {KG.Document, SCHEMA.NewsArticle}  # published by a seed news outlet
    assert g.value(d, DCTERMS.identifier) == Literal("news/a b")
    assert g.value(d, DCTERMS.title) == Literal("Chinese models close in")
    assert g.value(d, DCTERMS.source) == URIRef("https://example.org/news/a%20b?x=1")
    assert g.value(d, DCTERMS.date) == Literal("2025-12-16", datatype=XSD.date)
    assert g.value(d, DCTERMS.creator) == Literal("A. Writer")
    assert g.value(d, KG.text) == Literal(TEXT)
    assert g.value(d, KG["format"]) == Literal("md")
    act = g.value(d, PROV.wasGeneratedBy)
    assert act == URIRef(ACTIVITY.iri) and (act, PROV.used, d) in g
    assert (act, RDF.type, None) not in g  # described once, in graph/cross
    cross = _graph(cross_graph({}, [], IRIS, ACTIVITY))
    assert (act, RDF.type, PROV.Activity) in cross
    assert cross.value(act, KG.toolVersion) == Literal("0.1.0") and cross.value(act, KG.configHash) == Literal("abcd")
    assert set(g.objects(d, KG.mentions)) == {URIRef(E + n) for n in ("alibaba", "qwen", "moonshot-ai")}
    assert (None, KG.pageStarts, None) not in g and (None, KG.page, None) not in g


def test_dates_are_typed_only_when_valid_iso() -> None:
    assert date_literal("2025-02-28") == Literal("2025-02-28", datatype=XSD.date)
    assert date_literal("2025-12-16T08:30:00Z") == Literal("2025-12-16T08:30:00Z", datatype=XSD.dateTime)
    assert date_literal("2025-12-16T08:30:00+08:00").datatype == XSD.dateTime
    for bad in ("2025-02-30", "2025-13-01", "16 December 2025", "2025-12"):
        assert date_literal(bad) == Literal(bad) and date_literal(bad).datatype is None
    assert url_term("not a url") == Literal("not a url")
    assert url_term('https://x.org/a"b<c>') == URIRef("https://x.org/a%22b%3Cc%3E")


def test_mentions_relations_and_claims_carry_exact_selectors(seed) -> None:  # type: ignore[no-untyped-def]
    ex = _extraction()
    g = _doc_graph(ex, seed)
    a0, a1 = _span(TEXT, "Alibaba")
    m = URIRef(IRIS.mention("news/a b", a0, a1))
    assert (m, RDF.type, KG.Mention) in g and g.value(m, KG.mentionOf) == URIRef(E + "alibaba")
    assert g.value(m, OA.start) == Literal(a0) and g.value(m, OA.start).datatype == XSD.integer
    assert g.value(m, OA.exact) == Literal("Alibaba")
    # the relation: the plain triple plus its reified assertion with evidence
    assert (URIRef(E + "qwen"), KG.developedBy, URIRef(E + "alibaba")) in g
    (r,) = g.subjects(RDF.type, KG.RelationAssertion)
    assert g.value(r, RDF.predicate) == KG.developedBy and g.value(r, KG.rule) == Literal("possessive")
    assert g.value(r, KG.confidence) == Literal("0.85", datatype=XSD.decimal)
    assert g.value(r, PROV.wasDerivedFrom) == URIRef(IRIS.document("news/a b"))
    for claim in ex.claims:
        c = URIRef(claim.id)
        assert {KG.Claim, SCHEMA.Claim} <= set(g.objects(c, RDF.type))
        target = g.value(c, KG.evidence)
        assert g.value(target, OA.hasSource) == URIRef(IRIS.document("news/a b"))
        quote = next(s for s in g.objects(target, OA.hasSelector) if (s, RDF.type, OA.TextQuoteSelector) in g)
        pos = next(s for s in g.objects(target, OA.hasSelector) if (s, RDF.type, OA.TextPositionSelector) in g)
        start, end = int(g.value(pos, OA.start)), int(g.value(pos, OA.end))  # type: ignore[arg-type]
        assert str(g.value(quote, OA.exact)) == TEXT[start:end] == claim.text
        assert str(g.value(quote, OA.prefix)) == TEXT[max(0, start - 32) : start]
        assert str(g.value(quote, OA.suffix)) == TEXT[end : end + 32]
        assert len(str(g.value(quote, OA.prefix))) <= 32 and len(str(g.value(quote, OA.suffix))) <= 32
    hedged = URIRef(ex.claims[1].id)
    assert g.value(hedged, KG.modality) == KG.hedged
    assert g.value(hedged, KG.quotation) == Literal(False)
    assert g.value(hedged, KG.cue) == Literal("said")
    assert g.value(hedged, KG.attributedTo) == URIRef(E + "alibaba")
    assert g.value(hedged, KG.reportedBy) == URIRef(E + "south-china-morning-post")
    assert set(g.objects(hedged, KG.about)) == {URIRef(E + "alibaba"), URIRef(E + "qwen")}
    assert g.value(URIRef(ex.claims[0].id), KG.modality) == KG.asserted


def test_pdf_documents_get_page_starts_and_pages(seed) -> None:  # type: ignore[no-untyped-def]
    second_page = TEXT.index("Alibaba")
    doc = _doc(format="pdf", page_starts=(0, second_page), publisher=None, date="not a date")
    ex = _extraction(doc)
    g = _doc_graph(ex, seed)
    d = URIRef(IRIS.document(doc.id))
    assert SCHEMA.Report in set(g.objects(d, RDF.type))
    assert g.value(d, KG.pageStarts) == Literal(f"0 {second_page}")
    assert g.value(d, DCTERMS.date) == Literal("not a date")
    pages = {str(c): g.value(g.value(URIRef(c.id), KG.evidence), KG.page) for c in ex.claims}
    assert sorted(int(p) for p in pages.values()) == [1, 2]  # type: ignore[arg-type]


def test_inexact_spans_and_unknown_predicates_are_left_out_with_a_problem(vocab) -> None:  # type: ignore[no-untyped-def]
    ex = _extraction()
    bad_claim = Claim(IRIS.claim(ex.document.id, 0, 7), "Chinese!", 0, 7, "asserted")
    bad_rel = Relation(E + "qwen", "inventedBy", E + "alibaba", Span(0, 7, "Chinese"), "x", 0.5)
    shifted = Relation(E + "qwen", "developedBy", E + "alibaba", Span(1, 8, "Chinese"), "x", 0.5)
    twice = Entity(E + "other", "Other", "Company",
                   mentions=(Mention(*_span(TEXT, "Alibaba"), "Alibaba", E + "other"),))
    broken = Extraction(ex.document, (*ex.entities, twice), (*ex.relations, bad_rel, shifted),
                        (*ex.claims, bad_claim, ex.claims[0]))
    checked, problems = check_extraction(broken, vocab)
    assert checked.claims == ex.claims and checked.relations == ex.relations
    assert [e.mentions for e in checked.entities][-1] == ()
    assert len(problems) == 5 and all(p.path == "news/a b.md" for p in problems)
    messages = " | ".join(p.message for p in problems)
    assert "kg:inventedBy is not a relation" in messages and "does not match the document text" in messages
    assert "mention of both" in messages and "two claims" in messages
    assert check_extraction(ex, vocab) == (ex, ())


def test_canonical_entities_vote_and_the_seed_wins(seed, vocab) -> None:  # type: ignore[no-untyped-def]
    docs = [_doc(id=f"d{i}", path=f"d{i}.md") for i in range(3)]
    new = E + "zephyr-labs"  # not in the seed

    def ex(doc: Document, name: str, kind: str, merges: tuple[Merge, ...] = ()) -> Extraction:
        m0, m1 = _span(TEXT, "Moonshot AI")
        ents = (Entity(new, name, kind, mentions=(Mention(m0, m1, "Moonshot AI", new),), merges=merges),
                Entity(E + "qwen", "Qwen model", "Lab", mentions=(Mention(*_span(TEXT, "Qwen"), "Qwen", E + "qwen"),),
                       family=E + "qwen"))
        return Extraction(doc, ents)

    exs = [ex(docs[0], "Zephyr", "Lab", (Merge("Zephyr", "short-form"),)),
           ex(docs[1], "Zephyr Labs", "Company", (Merge("zephyr", "abbreviation"), Merge("Zephyr", "short-form"))),
           ex(docs[2], "Zephyr Labs", "Lab")]
    entities, problems = canonical_entities(exs, seed, vocab, IRIS)
    assert problems == ()
    moon = entities[new]
    assert (moon.name, moon.type, moon.in_seed) == ("Zephyr Labs", "Lab", False)  # two votes of three
    assert moon.alt_labels == ("Zephyr",)
    assert moon.merges == (Merge("Zephyr", "short-form"),)  # same merge IRI: the more frequent wins
    qwen = entities[E + "qwen"]
    assert (qwen.name, qwen.type, qwen.in_seed) == ("Qwen", "Model", True)  # the seed wins over the extractor
    g = _graph(cross_graph(entities, [], IRIS))
    assert list(g.objects(URIRef(new), RDF.type)) == [KG.Lab]
    assert list(g.objects(URIRef(new), SKOS.prefLabel)) == [Literal("Zephyr Labs")]
    assert (URIRef(E + "qwen"), RDF.type, None) not in g and (URIRef(E + "qwen"), SKOS.prefLabel, None) not in g
    assert set(g.objects(URIRef(E + "qwen"), KG.surfaceForm)) == {Literal("Qwen")}
    merge = URIRef(IRIS.merge(new, "Zephyr"))
    assert (URIRef(new), KG.merge, merge) in g and g.value(merge, KG.rule) == Literal("short-form")
    assert (URIRef(E + "qwen"), KG.partOf, URIRef(E + "qwen")) not in g  # no family link to itself
    # a tie goes to the first in sort order, whatever the document order
    tie = [ex(docs[0], "Zephyr B", "Lab"), ex(docs[1], "Zephyr A", "Company")]
    for order in (tie, tie[::-1]):
        ent = canonical_entities(order, seed, vocab, IRIS)[0][new]
        assert (ent.name, ent.type) == ("Zephyr A", "Company")


def test_untyped_and_dangling_entities_are_reported(seed, vocab) -> None:  # type: ignore[no-untyped-def]
    doc = _doc()
    ents = (Entity(E + "mystery", "Mystery", "Gadget", mentions=(Mention(0, 7, "Chinese", E + "mystery"),)),)
    claims = (Claim(IRIS.claim(doc.id, 0, 7), "Chinese", 0, 7, "asserted", attributed_to=Ref(E + "ghost", "Ghost")),)
    exs = [Extraction(doc, ents, claims=claims)]
    entities, problems = canonical_entities(exs, seed, vocab, IRIS)
    assert E + "mystery" not in entities and "no type from the ontology" in problems[0].message
    dangling = dangling_references(exs, entities, seed)
    assert [p.path for p in dangling] == [doc.path] and E + "ghost" in dangling[0].message


def test_claim_clusters_go_to_the_cross_graph() -> None:
    cluster = ClaimCluster(IRIS.cluster("k"), "A label", (IRIS.claim("a", 0, 5), IRIS.claim("b", 0, 5)), 2, 1,
                           contradicts=(IRIS.cluster("other"),))
    g = _graph(cross_graph({}, [cluster], IRIS))
    c = URIRef(cluster.id)
    assert (c, RDF.type, KG.ClaimCluster) in g and g.value(c, KG.label) == Literal("A label")
    assert len(set(g.objects(c, KG.hasMember))) == 2
    assert g.value(c, KG.sourceCount) == Literal(2) and g.value(c, KG.independentSourceCount) == Literal(1)
    assert g.value(c, KG.contradicts) == URIRef(IRIS.cluster("other"))


# --- the writer --------------------------------------------------------------------------------------------

TRICKY = ['say "hi"\\ now', "line\nbreak\r\ttab", "non-ASCII: 月之暗面 café ✓", "", "\x00\x01\x7f control",
          "ends with >"]


def _tricky_graph(lowercase: bool = False) -> rdflib.Graph:
    g = rdflib.Graph()
    s = URIRef(E + "x")
    for i, text in enumerate(TRICKY):
        g.add((s, KG.text, Literal(text)))
        tag = "en-GB" if i % 2 else "zh-Hant"
        g.add((s, SKOS.altLabel, Literal(text + str(i), lang=tag.lower() if lowercase else tag)))
    g.add((s, OWL.sameAs, URIRef("http://www.wikidata.org/entity/Q148")))
    g.add((s, KG.confidence, Literal("0.5", datatype=XSD.decimal)))
    g.add((s, KG.sourceCount, Literal(3)))
    g.add((s, KG.quotation, Literal(True)))
    g.add((s, DCTERMS.date, Literal("2025-01-01", datatype=XSD.date)))
    g.add((s, KG.page, Literal("007", datatype=XSD.integer)))  # rdflib normalises it to 7
    b = BNode()
    g.add((s, RDF.value, b))
    g.add((b, RDF.first, Literal("list item")))
    return g


def _trig(graph: rdflib.Graph, name: str) -> str:
    prefixes = build_prefixes(IRIS)
    return prefixes.header() + prefixes.trig_block(name, canonical_lines(graph))


def test_trig_writer_round_trips_quotes_newlines_language_tags_and_non_ascii() -> None:
    g = _tricky_graph()
    text = _trig(g, IRIS.cross_graph)
    back = rdflib.Dataset()
    back.parse(data=text, format="trig")
    assert isomorphic(back.graph(URIRef(IRIS.cross_graph)), _tricky_graph(lowercase=True))  # tags: lowercase
    assert '"zh-hant' not in text and "@zh-hant" in text
    store = pyoxigraph.Store()
    store.load(input=text.encode(), format=pyoxigraph.RdfFormat.TRIG)
    assert len(store) == len(g)
    assert " 3 ;" in text or " 3 .\n" in text or "kg:sourceCount 3" in text  # canonical integers are bare
    assert "kg:page 7 " in text and "kg:quotation true" in text and '"2025-01-01"^^xsd:date' in text


def test_trig_writer_is_deterministic_whatever_the_insertion_order() -> None:
    g = _tricky_graph()
    reversed_graph = rdflib.Graph()
    for triple in sorted(g, key=lambda t: str(t), reverse=True):
        reversed_graph.add(triple)
    assert _trig(g, IRIS.cross_graph) == _trig(reversed_graph, IRIS.cross_graph)
    lines = canonical_lines(g)
    assert lines == sort_lines(reversed(lines)) and len(lines) == len(set(lines)) == len(g)
    assert any("_:b0" in line for line in lines)  # blank nodes get canonical labels


def test_document_block_is_the_trig_block_of_the_document_lines(seed) -> None:  # type: ignore[no-untyped-def]
    """The build writes a document's graph straight from the records (kg.rdf.document_block); it must be the
    block of the sorted lines: same triples, same order, same abbreviations, duplicates once."""
    ex = _extraction(_doc(page_starts=(0, 120)))
    twice = replace(ex.entities[0], mentions=ex.entities[0].mentions * 2)  # a duplicate mention: one in the graph
    ex = replace(ex, entities=(twice, *ex.entities[1:]), relations=ex.relations * 2)
    prefixes = build_prefixes(IRIS)
    lines = document_lines(ex, IRIS, ACTIVITY, seed)
    assert lines == sort_lines(lines) and len(lines) == len(set(lines))
    block = document_block(ex, IRIS, ACTIVITY, seed, prefixes)
    assert block == prefixes.trig_block(IRIS.document_graph(ex.document.id), lines)
    claim = next(c.id for c in ex.claims if c.attributed_to is not None)
    assert block.index(prefixes.iri(claim) + " ") < block.index(prefixes.iri(IRIS.target(claim)) + " ")
    back = rdflib.Dataset()
    back.parse(data=prefixes.header() + block, format="trig")
    assert isomorphic(back.graph(URIRef(IRIS.document_graph(ex.document.id))),
                      rdflib.Graph().parse(data="\n".join(lines), format="nt"))


def test_nt_terms_escape_what_n_triples_requires() -> None:
    assert nt_term(Literal('a"b\\c\nd')) == '"a\\"b\\\\c\\nd"'
    assert nt_term(Literal("\x01")) == '"\\u0001"'
    assert nt_term(Literal("x", lang="en")) == '"x"@en'
    assert nt_term(URIRef("https://x.org/a b")) == "<https://x.org/a%20b>"
    assert Prefixes({"e": E}).abbreviate("<" + E + "a/b>") == "<" + E + "a/b>"  # '/' stays in full
    assert Prefixes({"e": E}).abbreviate("<" + E + "a-b>") == "e:a-b"
    assert Prefixes({"e": E}).abbreviate('"x"^^<' + E + "t>") == '"x"^^e:t'
    assert Prefixes({"e": E}).abbreviate('"1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>') == "1.50"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), min_size=1, max_size=5),
       st.sampled_from([None, "en", "zh-hant", "de-ch"]))
def test_any_text_round_trips_through_the_writer(texts: list[str], lang: str | None) -> None:
    g = rdflib.Graph()
    for i, text in enumerate(texts):
        g.add((URIRef(f"{E}s{i}"), KG.text, Literal(text, lang=lang)))
    back = rdflib.Dataset()
    back.parse(data=_trig(g, IRIS.cross_graph), format="trig")
    assert isomorphic(back.graph(URIRef(IRIS.cross_graph)), g)
    for text in texts:  # the direct writer (document graphs) agrees with rdflib's terms, and reads back
        assert nt_string(text) == nt_term(Literal(text))
        parsed = rdflib.Graph().parse(data=f"<{E}s> <{E}p> {nt_string(text)} .", format="nt")
        assert str(next(iter(parsed.objects()))) == text
