"""The spaCy pipeline (kg.nlp) and the batch runner (kg.extract.pipeline)."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language

from kg.config import Settings
from kg.errors import BuildError
from kg.extract import extract_documents
from kg.extract.candidates import CANDIDATES, FACTORY, EntityCandidates
from kg.extract.pipeline import make_docs, split_text
from kg.nlp import RULER, RULER_EXACT, add_entity_components, base_model, form_variants, load_nlp, seed_patterns
from kg.records import Document
from kg.seed import SeedKB, load_seed
from tests.extract_helpers import document, load_tiny


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, SeedKB]:
    return load_tiny(tmp_path_factory.mktemp("tiny-ontology"))


def test_trained_pipeline_has_the_ruler_before_ner_and_our_component_last(trained_nlp: Language) -> None:
    names = trained_nlp.pipe_names
    assert names.index(RULER) < names.index(RULER_EXACT) < names.index("ner")
    assert names[-1] == FACTORY
    assert {"tagger", "parser", "lemmatizer"} <= set(names)


def test_load_nlp_is_cached_per_settings(trained_nlp: Language) -> None:
    settings = Settings()
    assert load_nlp(settings, load_seed(settings)) is trained_nlp


def test_ruler_before_ner_types_us_as_the_country_not_an_organisation(trained_nlp: Language) -> None:
    doc = trained_nlp("U.S. firms and Alibaba's Qwen compete with DeepSeek.")
    spans = [(s.text, s.label_, s.kb_id_) for s in doc.spans[CANDIDATES]]
    assert ("U.S.", "Country", "seed:united-states") in spans
    assert ("Alibaba", "Company", "seed:alibaba") in spans and ("Qwen", "Model", "seed:qwen") in spans


def test_unknown_model_package_is_a_clear_error() -> None:
    with pytest.raises(BuildError, match=r"not installed.*never downloads"):
        base_model("en_core_web_nonexistent_xx")


def test_seed_patterns_case_and_spelling_variants(tiny: tuple[Settings, SeedKB]) -> None:
    _settings, seed = tiny
    nlp = spacy.blank("en")
    longer, single = seed_patterns(seed, nlp.make_doc)
    one_token = [p for p in single if p["pattern"] == "US"]
    assert one_token and one_token[0]["id"] == "seed:united-states"
    assert not [p for p in longer if p["pattern"] == "US"]
    texts = {p["pattern"] for p in longer}
    assert "Institute for Human Centered Artificial Intelligence" in texts
    assert "Institute for HumanCentered Artificial Intelligence" in texts
    assert "Chinese" not in texts | {p["pattern"] for p in single}  # demonyms are linked later
    ambiguous = [p for p in single if p["pattern"] == "BIS"]
    assert ambiguous[0]["id"] == "ambiguous:seed:bank-for-international-settlements|seed:bis"
    assert form_variants("People's Republic") == ("People's Republic", "People’s Republic")


def test_candidates_component_needs_the_seed() -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe(FACTORY)
    assert isinstance(component, EntityCandidates)
    with pytest.raises(RuntimeError, match="use_seed"):
        nlp("China")


def test_blank_pipeline_components_work_without_a_model(tiny: tuple[Settings, SeedKB]) -> None:
    _settings, seed = tiny
    nlp = add_entity_components(spacy.blank("en"), seed)
    doc = nlp("The US and us.")
    assert [(s.text, s.label_) for s in doc.spans[CANDIDATES]] == [("US", "Country")]


# --------------------------------------------------------------------------- long documents
TEXT_PIECES = st.text(alphabet=st.sampled_from("ab .\n!?é中 "), min_size=0, max_size=400)


@settings(max_examples=200, deadline=None)
@given(TEXT_PIECES, st.integers(min_value=2, max_value=60))
def test_split_text_pieces_concatenate_to_the_text(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(len(p) <= limit for p in pieces)
    assert all(p for p in pieces[:-1])


def test_split_text_prefers_paragraph_then_sentence_boundaries() -> None:
    text = "First sentence here. Second one.\n\nNew paragraph starts. And goes on."
    pieces = split_text(text, 40)
    assert pieces[0] == "First sentence here. Second one.\n\n"
    pieces = split_text("One two. Three four five six. Seven eight.", 30)
    assert pieces[0] == "One two. Three four five six. "


def test_long_document_in_chunks_keeps_exact_offsets(trained_nlp: Language) -> None:
    para = ("Alibaba's Qwen and DeepSeek-R1 compete with OpenAI in the United States. "
            "Researchers at Tsinghua University said Chinese labs grew.\n\n")
    text = para * 30
    (doc,) = make_docs(trained_nlp, [text], batch_size=4, limit=1000)
    assert doc.text == text
    whole = trained_nlp(text)
    chunked = [(s.start_char, s.end_char, s.label_) for s in doc.spans[CANDIDATES]]
    assert chunked == [(s.start_char, s.end_char, s.label_) for s in whole.spans[CANDIDATES]]
    for start, end, _label in chunked:
        assert text[start:end] in {"Alibaba", "Qwen", "DeepSeek-R1", "OpenAI", "the United States",
                                   "Tsinghua University", "Chinese"}


def test_extract_documents_keeps_order_and_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kg.extract.pipeline.CHUNK_CHARS", 2_000)  # a "long" document without a slow test
    settings = Settings(batch_size=2)
    docs = [document(f"Doc {i}: DeepSeek met Alibaba in Hangzhou.", f"d/{i}") for i in range(5)]
    docs.append(Document(id="d/long", path="d/long.txt", format="txt", sha256="0" * 64,
                         text="Alibaba's Qwen leads.\n" * 400))
    seen: list[int] = []
    out = list(extract_documents(docs, settings, progress=seen.append))
    assert [e.document.id for e in out] == [d.id for d in docs]
    assert sum(seen) == len(docs) and seen == [2, 2, 2]
    long = out[-1]
    assert len(long.document.text) > 4 * 2_000
    qwen = next(e for e in long.entities if e.name == "Qwen")
    assert len(qwen.mentions) == 400
    assert all(long.document.text[m.start : m.end] == "Qwen" for m in qwen.mentions)
