from kg.records import Claim, Document, Entity, Extraction, Mention, Merge, Problem, Ref, Relation, Span
from kg.serialize import extraction_from_dict, extraction_to_dict

REQUIRED_DOC = {"id", "url", "title", "publisher", "date", "path", "sha256"}
REQUIRED_ENTITY = {"id", "name", "type", "aliases", "wikidata", "mentions"}
REQUIRED_RELATION = {"subject", "predicate", "object", "evidence", "rule", "confidence"}
REQUIRED_CLAIM = {"id", "text", "start", "end", "modality", "attributed_to", "reported_by", "cue", "quotation",
                  "about", "page"}


def _sample() -> Extraction:
    text = "Alibaba's Qwen may have moved ahead, the report said.\n“Quoted” ünïcode"
    doc = Document(id="news/a", path="news/a.md", format="md", text=text, sha256="ab" * 32, url="https://x.org/a",
                   title="T", publisher="P", date="2025-12-16", authors=("A B",), page_starts=(0, 20))
    e1 = Entity(id="https://policy-kg.org/id/entity/alibaba", name="Alibaba", type="Company",
                aliases=("Alibaba Group",),
                wikidata="Q1359568", mentions=(Mention(0, 7, "Alibaba", "https://policy-kg.org/id/entity/alibaba"),),
                merges=(Merge("Alibaba Group", "seed-alias"),), in_seed=True)
    e2 = Entity(id="https://policy-kg.org/id/entity/qwen", name="Qwen", type="Model",
                mentions=(Mention(10, 14, "Qwen", "https://policy-kg.org/id/entity/qwen"),))
    rel = Relation(e2.id, "developedBy", e1.id, Span(0, 14, text[0:14]), "possessive", 0.85)
    claim = Claim(id="https://policy-kg.org/id/claim/news/a/0-53", text=text[0:53], start=0, end=53, modality="hedged",
                  attributed_to=Ref("https://policy-kg.org/id/entity/r", "Report"), reported_by=None, cue="said",
                  quotation=False, about=(e1.id, e2.id), page=1)
    return Extraction(doc, (e1, e2), (rel,), (claim,), (Problem("news/a.md", "odd", 3),))


def test_round_trip_is_lossless() -> None:
    ex = _sample()
    assert extraction_from_dict(extraction_to_dict(ex)) == ex


def test_contract_fields_present_and_slices_exact() -> None:
    ex = _sample()
    d = extraction_to_dict(ex)
    assert REQUIRED_DOC <= d["document"].keys()
    assert all(REQUIRED_ENTITY <= e.keys() for e in d["entities"])
    assert all(REQUIRED_RELATION <= r.keys() for r in d["relations"])
    assert all(REQUIRED_CLAIM <= c.keys() for c in d["claims"])
    text = d["document"]["text"]
    for e in d["entities"]:
        for m in e["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]
    for c in d["claims"]:
        assert text[c["start"]:c["end"]] == c["text"]
    for r in d["relations"]:
        assert text[r["evidence"]["start"]:r["evidence"]["end"]] == r["evidence"]["text"]
