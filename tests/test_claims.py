"""Claims: spans, attribution, reporting outlet, modality and about, one behaviour per test with the case that
must not happen next to it; real parses of hand-written text (entities built by hand), then the seed articles
and the whole sample corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from kg.config import Settings
from kg.corpus import read_corpus
from kg.extract import extract_document
from kg.extract.claims import extract_claims
from kg.iris import Iris
from kg.records import Claim, Document, Extraction
from kg.seed import SeedKB, load_seed
from tests.relations_helpers import IRIS, document, entities, iri, parse

ROOT = Path(__file__).resolve().parent.parent
REPORT = "Beyond DeepSeek"


@pytest.fixture(scope="module")
def seed() -> SeedKB:
    return load_seed(Settings())


def claims(nlp: Language, seed: SeedKB, text: str, doc: Document | None = None) -> tuple[Claim, ...]:
    document_ = doc or document(text)
    found = extract_claims(parse(nlp, text), document_, entities(text), IRIS, seed)
    for claim in found:
        assert claim.text == text[claim.start : claim.end] and claim.text == claim.text.strip()
        assert claim.id == IRIS.claim(document_.id, claim.start, claim.end)
    return found


def only(found: tuple[Claim, ...], containing: str) -> Claim:
    hits = [c for c in found if containing in c.text]
    assert hits, f"no claim contains {containing!r}: {[c.text for c in found]}"
    return min(hits, key=lambda c: c.end - c.start)


def by(claim: Claim) -> str | None:
    return claim.attributed_to.name if claim.attributed_to else None


# attribution ----------------------------------------------------------------------------------------------


def test_according_to_names_the_source(trained_nlp: Language, seed: SeedKB) -> None:
    found = claims(trained_nlp, seed, "According to the report, Chinese models have progressed quickly.")
    claim = only(found, "progressed")
    assert by(claim) == REPORT and claim.cue == "according to" and not claim.quotation
    # "according to" an unnamed source: no one to point to, and a hedge
    claim = only(claims(trained_nlp, seed, "According to people familiar with the deal, Alibaba will pay more."), "pay")
    assert claim.attributed_to is None and claim.modality == "hedged"


def test_speech_verbs_before_and_after_the_clause(trained_nlp: Language, seed: SeedKB) -> None:
    text = ("Chinese open models now perform at near state-of-the-art levels, the report says. "
            "The report urges selective engagement between the two countries.")
    found = claims(trained_nlp, seed, text)
    assert by(only(found, "state-of-the-art")) == REPORT and only(found, "state-of-the-art").cue == "says"
    assert by(only(found, "urges")) == REPORT
    # a reporting verb inside a relative clause does not attribute the sentence
    text = "The move marks a turn for Baidu, whose founder Liang Wenfeng long argued that closed models would win."
    assert by(only(claims(trained_nlp, seed, text), "marks a turn")) is None


def test_quotes_with_their_speaker_and_continued_quotes(trained_nlp: Language, seed: SeedKB) -> None:
    text = '"We are not a research lab," said Liang Wenfeng. "We build products for everyone."'
    found = claims(trained_nlp, seed, text)
    first, second = only(found, "research lab"), only(found, "build products")
    assert by(first) == by(second) == "Liang Wenfeng"
    assert first.quotation and second.quotation and first.modality == "negated"
    # a scare quote is no quotation
    claim = only(claims(trained_nlp, seed, 'The report says the models are "unavoidable" in global markets.'), "models")
    assert not claim.quotation


def test_dateline_is_cut_and_its_wire_reports_the_piece(trained_nlp: Language, seed: SeedKB) -> None:
    text = ('BEIJING, March 3 (Reuters) - DeepSeek said on Monday it would release new weights. "We build for '
            'everyone," Liang Wenfeng said. "Developers want control."')
    found = claims(trained_nlp, seed, text)
    first = found[0]
    assert first.text.startswith("DeepSeek said") and by(first) == "DeepSeek"
    assert all(c.reported_by is not None and c.reported_by.name == "Reuters" for c in found)
    short = only(found, "Developers want control")
    assert by(short) == "Liang Wenfeng" and short.quotation


def test_multi_sentence_quote_takes_the_speaker_named_at_its_end(trained_nlp: Language, seed: SeedKB) -> None:
    text = '"Open weights travel fast. Nobody can stop that now," Sam Altman said on Tuesday.'
    found = claims(trained_nlp, seed, text)
    assert by(only(found, "travel fast")) == "Sam Altman"
    assert by(only(found, "Nobody can stop")) == "Sam Altman"


def test_pronouns_carry_the_previous_attribution_only(trained_nlp: Language, seed: SeedKB) -> None:
    text = "The report found that DeepSeek leads in downloads. It added that Qwen is close behind."
    assert by(only(claims(trained_nlp, seed, text), "close behind")) == REPORT
    # no attributed claim before it: "it" is nobody
    text = "Downloads rose sharply in June. It added that Qwen is close behind."
    assert by(only(claims(trained_nlp, seed, text), "close behind")) is None


def test_the_authors_and_this_assessment_point_back_to_the_report(trained_nlp: Language, seed: SeedKB) -> None:
    text = ("China's open models may have moved ahead of American ones. This assessment comes from Beyond DeepSeek, "
            "a new report. The authors note that disengagement is impractical.")
    found = claims(trained_nlp, seed, text)
    moved = only(found, "moved ahead")
    assert by(moved) == REPORT and moved.cue == "comes from" and moved.modality == "hedged"
    assert by(only(found, "disengagement")) == REPORT


def test_unnamed_sources_stay_unnamed(trained_nlp: Language, seed: SeedKB) -> None:
    text = "Alibaba shipped Qwen on Monday. Analysts said the release was rushed."
    assert by(only(claims(trained_nlp, seed, text), "rushed")) is None
    text = "Former Alibaba executives said the release was rushed."
    assert by(only(claims(trained_nlp, seed, text), "rushed")) is None


def test_a_negated_reporting_verb_is_the_outlets_own_negative_statement(trained_nlp: Language, seed: SeedKB) -> None:
    claim = only(claims(trained_nlp, seed, "Stanford HAI did not say whether it had shared the findings."), "shared")
    assert claim.attributed_to is None and claim.modality == "negated"


# credits and outlets ----------------------------------------------------------------------------------------


def test_trailing_credit_is_the_outlet_and_is_cut_from_the_claim(trained_nlp: Language, seed: SeedKB) -> None:
    text = ("Chinese firms are releasing open models. The report says they perform well. "
            "(South China Morning Post)\nAnother paragraph without credit follows here today.")
    found = claims(trained_nlp, seed, text)
    releasing, perform = only(found, "releasing"), only(found, "perform well")
    assert releasing.reported_by is not None and releasing.reported_by.name == "South China Morning Post"
    assert by(releasing) == "South China Morning Post"  # no source in the sentence: the credit is the source
    assert by(perform) == REPORT and perform.reported_by == releasing.reported_by
    assert all("(South China" not in c.text for c in found)
    assert only(found, "Another paragraph").reported_by is None


def test_publisher_of_the_document_reports_its_claims(trained_nlp: Language, seed: SeedKB) -> None:
    text = "DeepSeek released a new model on Monday."
    found = claims(trained_nlp, seed, text, document(text, publisher="Reuters"))
    assert found[0].reported_by is not None and found[0].reported_by.name == "Reuters"
    found = claims(trained_nlp, seed, text, document(text, publisher="A Blog Nobody Knows"))
    assert found[0].reported_by is None


# modality ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("DeepSeek released the weights of its model.", "asserted"),
        ("DeepSeek may release the weights next month.", "hedged"),
        ("DeepSeek reportedly trained the model on Nvidia chips.", "hedged"),
        ("DeepSeek is expected to release the weights next month.", "hedged"),
        ("The findings suggest that the gap is narrowing quickly.", "hedged"),
        ("The debate is unlikely to be settled soon.", "hedged"),
        ("DeepSeek has not released the training data.", "negated"),
        ("DeepSeek never confirmed the talks with Apple.", "negated"),
        ("The race is no longer a one-way sprint.", "negated"),
        ("DeepSeek has yet to release the training data.", "negated"),
        ("Alibaba failed to close the deal before the deadline.", "negated"),
        ("We found no evidence of a directive to publish weights.", "negated"),
        ("Chinese models are not just catching up but leading.", "asserted"),
        ("DeepSeek may not release the weights this year.", "hedged"),  # hedge wins (annotation guidelines)
        ("The authors urged companies not to walk away from engagement.", "asserted"),  # a recommendation
        ("Agents built on R1 were far more likely than others to follow bad instructions.", "asserted"),
    ],
)
def test_modality(trained_nlp: Language, seed: SeedKB, text: str, modality: str) -> None:
    (claim,) = claims(trained_nlp, seed, text)
    assert claim.modality == modality, claim


def test_clauses_with_their_own_modality_are_separate_claims(trained_nlp: Language, seed: SeedKB) -> None:
    text = ("China's open models are now rivaling those developed in the United States and in some cases may have "
            "moved ahead in adoption.")
    found = claims(trained_nlp, seed, text)
    assert only(found, "rivaling").modality == "asserted"
    moved = only(found, "moved ahead")
    assert moved.modality == "hedged" and moved.about == (iri("China"),)  # the shared subject
    # one modal over two coordinated verbs: one claim
    text = "China's open models may have drawn level with, or even pulled ahead of, their rivals."
    assert len(claims(trained_nlp, seed, text)) == 1


def test_caveat_after_a_claim_is_the_outlets_own(trained_nlp: Language, seed: SeedKB) -> None:
    text = "Kimi K2 ranks first on the suite, Moonshot AI said, a claim that could not be independently verified."
    found = claims(trained_nlp, seed, text)
    assert by(only(found, "ranks first")) == "Moonshot AI"
    caveat = only(found, "could not be independently verified")
    assert caveat.attributed_to is None and caveat.modality == "negated"


# what is not a claim ---------------------------------------------------------------------------------------


def test_headings_questions_navigation_and_definitions_are_not_claims(trained_nlp: Language, seed: SeedKB) -> None:
    text = (
        "China's Open Source AI Models Gain Ground on US Rivals\n"
        "Why would anyone release weights for free?\n"
        "Source: https://example.com/story\n"
        "- Weights: The internal parameters of an AI model that determine how it processes inputs.\n"
        "- Innovation democratization: Open-source models allow innovators worldwide to build on powerful AI.\n"
        "The implications are far-reaching:\n"
    )
    found = claims(trained_nlp, seed, text)
    texts = [c.text for c in found]
    assert texts == [
        "Open-source models allow innovators worldwide to build on powerful AI.",
        "The implications are far-reaching",
    ]


def test_about_names_what_the_claim_is_about_not_who_said_it(trained_nlp: Language, seed: SeedKB) -> None:
    text = "Alibaba's Qwen overtook Llama in downloads, Jane Park said. (Reuters)"
    claim = only(claims(trained_nlp, seed, text), "overtook")
    assert set(claim.about) == {iri("Alibaba"), iri("Qwen"), iri("Llama")}
    assert by(claim) == "Jane Park" and claim.reported_by is not None and claim.reported_by.name == "Reuters"


def test_pages_of_a_pdf(trained_nlp: Language, seed: SeedKB) -> None:
    text = "DeepSeek released a model on Monday.\nAlibaba released another model on Tuesday."
    second_page = text.index("Alibaba")
    doc = Document(id="r", path="r.pdf", format="pdf", text=text, sha256="0" * 64, page_starts=(0, second_page))
    found = claims(trained_nlp, seed, text, doc)
    assert [c.page for c in found] == [1, 2]


FRAGMENTS = [
    "DeepSeek released R1 in January.",
    '"We build products," said Liang Wenfeng.',
    "According to the report, Qwen may lead.",
    "Alibaba has not acquired Moonshot AI; Baidu did.",
    "(South China Morning Post)",
    "Why now?",
    "- Label: Open models spread fast.",
    "Hangzhou-based DeepSeek, backed by Alibaba, never partnered with Baidu.",
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5), st.sampled_from([" ", "\n", "\n\n"]))
def test_any_mix_of_fragments_gives_exact_spans(
    trained_nlp: Language, seed: SeedKB, parts: list[str], sep: str
) -> None:
    text = sep.join(parts)
    found = claims(trained_nlp, seed, text)
    starts = [c.start for c in found]
    assert starts == sorted(starts)
    for claim in found:
        assert claim.modality in ("asserted", "hedged", "negated")
        assert set(claim.about) <= {e.id for e in entities(text)}


# the seed articles and the sample corpus ----------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_extractions(trained_nlp: Language, seeds_dir: Path, seed: SeedKB) -> list[Extraction]:
    corpus = read_corpus([seeds_dir], Settings())
    return [extract_document(trained_nlp(d.text), d, seed, Iris()) for d in corpus.documents]


def _claim_with(extractions: list[Extraction], phrase: str) -> Claim:
    hits = [c for ex in extractions for c in ex.claims if phrase in c.text]
    assert hits, phrase
    return min(hits, key=lambda c: c.end - c.start)


def test_seed_finding_is_attributed_to_the_report_and_reported_by_scmp(seed_extractions: list[Extraction]) -> None:
    claim = _claim_with(seed_extractions, "Chinese open models now perform at near state-of-the-art levels")
    assert claim.attributed_to is not None and claim.attributed_to.id == Iris().entity_key("beyond-deepseek-report")
    assert claim.reported_by is not None and claim.reported_by.name == "South China Morning Post"
    assert claim.cue == "says" and claim.modality == "asserted"


def test_seed_may_have_moved_ahead_is_hedged(seed_extractions: list[Extraction]) -> None:
    claim = _claim_with(seed_extractions, "may have moved ahead")
    assert claim.modality == "hedged"
    assert _claim_with(seed_extractions, "are now rivaling those developed").modality == "asserted"


def test_seed_headlines_and_glossary_are_not_claims(seed_extractions: list[Extraction]) -> None:
    texts = [c.text for ex in seed_extractions for c in ex.claims]
    assert not any(t.startswith(("China’s Open", "Stanford Report Highlights", "Glossary", "Source:")) for t in texts)
    assert not any("internal parameters of an AI model" in t for t in texts)


def test_sample_corpus_slices_are_exact(trained_nlp: Language, seed: SeedKB) -> None:
    """Over every document of the sample corpus: each mention, evidence and claim is an exact slice."""
    corpus = read_corpus([ROOT / "corpus"], Settings())
    assert corpus.documents
    total = 0
    for d in corpus.documents:
        ex = extract_document(trained_nlp(d.text), d, seed, Iris())
        for ent in ex.entities:
            assert all(m.text == d.text[m.start : m.end] for m in ent.mentions)
        for rel in ex.relations:
            assert rel.evidence.text == d.text[rel.evidence.start : rel.evidence.end]
        for claim in ex.claims:
            assert claim.text == d.text[claim.start : claim.end]
            assert claim.page == d.page_of(claim.start)
        total += len(ex.claims)
    assert total > 100
