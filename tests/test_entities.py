"""Entity rules, one test each with a positive and a negative case, on blank pipelines and hand-built Docs.

The tiny seed (tests/extract_helpers.py) holds only a few entities, so new-entity rules are really exercised.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract.entities import headline_ranges
from kg.iris import Iris
from kg.seed import SeedKB
from tests.extract_helpers import blank_pipeline, candidates, entities, hand_doc, load_tiny

IRIS = Iris()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> SeedKB:
    _settings, seed = load_tiny(tmp_path_factory.mktemp("tiny-ontology"))
    return seed


@pytest.fixture(scope="module")
def blank(tiny: SeedKB) -> Language:
    return blank_pipeline(tiny)


def run(nlp: Language, seed: SeedKB, text: str) -> dict[str, object]:
    return dict(entities(nlp(text), seed))


Sentence = Sequence[tuple[str, str, str, int, str]]  # word, tag, pos, head offset in sentence, dep


def parsed(nlp: Language, *sentences: Sentence, ents: dict[int, str] | None = None) -> Doc:
    """A hand-parsed Doc: each sentence a list of (word, tag, pos, head index within it, dep)."""
    words: list[str] = []
    tags: list[str] = []
    pos: list[str] = []
    heads: list[int] = []
    deps: list[str] = []
    for sent in sentences:
        base = len(words)
        for word, tag, upos, head, dep in sent:
            words.append(word)
            tags.append(tag)
            pos.append(upos)
            heads.append(base + head)
            deps.append(dep)
    iob = ["O"] * len(words)
    for start, spec in (ents or {}).items():
        label, length = spec.split(":")
        iob[start] = f"B-{label}"
        for k in range(start + 1, start + int(length)):
            iob[k] = f"I-{label}"
    spaces = [not (i + 1 < len(words) and words[i + 1] in (".", ",", "'s", "’s", ")")) and w != "(" for i, w in
              enumerate(words)]
    lemmas = [w.lower() for w in words]
    return hand_doc(nlp, words, spaces=spaces, tags=tags, pos=pos, heads=heads, deps=deps, ents=iob, lemmas=lemmas)


# --------------------------------------------------------------------------- seed aliases and countries
def test_seed_alias_merges_with_rule_and_variant_spellings(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("Stanford HAI and the Institute for Human Centered Artificial Intelligence (HAI) agree."),
                     tiny)
    hai = found["Stanford Institute for Human-Centered Artificial Intelligence"]
    assert hai.type == "ResearchCenter" and hai.in_seed
    assert [m.text for m in hai.mentions] == ["Stanford HAI", "Institute for Human Centered Artificial Intelligence",
                                              "HAI"]
    assert {(m.alias, m.rule) for m in hai.merges} >= {("Stanford HAI", "seed-alias"), ("HAI", "seed-alias")}
    # negative: the same letters in lower case are not the institute, nor is "open ai" OpenAI
    assert entities(blank("The hai tea was served; open ai tools were discussed."), tiny) == {}


def test_us_variants_are_one_country_and_the_pronoun_is_not(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("U.S. firms, US rules, the United States and America agree."), tiny)
    assert list(found) == ["United States"]
    us = found["United States"]
    assert us.type == "Country" and us.wikidata == "Q30"
    assert [m.text for m in us.mentions] == ["U.S.", "US", "the United States", "America"]
    assert entities(blank("Let us see what they told us."), tiny) == {}


def test_demonym_links_to_country_but_not_inside_a_longer_name(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("Chinese labs grew while American ones slowed."), tiny)
    assert {m.alias: m.rule for m in found["China"].merges} == {"Chinese": "demonym"}
    assert {m.alias: m.rule for m in found["United States"].merges} == {"American": "demonym"}
    inside = entities(blank("The Chinese Academy of Sciences released a model."), tiny)
    assert "China" not in inside
    assert inside["Chinese Academy of Sciences"].type == "ResearchCenter"


def test_ambiguous_seed_alias_resolved_by_what_else_the_document_names(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("The Bureau of Industry and Security added firms. BIS said more."), tiny)
    assert len(found["Bureau of Industry and Security"].mentions) == 2
    assert "Bank for International Settlements" not in found
    other = entities(blank("The Bank for International Settlements met. BIS said more."), tiny)
    assert len(other["Bank for International Settlements"].mentions) == 2
    assert "Bureau of Industry and Security" not in other


# --------------------------------------------------------------------------- possessives, models, labs
def test_possessive_names_two_entities(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("Alibaba’s Qwen leads."), tiny)
    assert found["Alibaba"].type == "Company" and found["Qwen"].type == "Model"
    # an NER span over "Zhipu 's GLM" is cut at the possessive into two names
    doc = parsed(blank, [("Zhipu", "NNP", "PROPN", 2, "poss"), ("'s", "POS", "PART", 0, "case"),
                         ("Flagship", "NNP", "PROPN", 3, "nsubj"), ("won", "VBD", "VERB", 3, "ROOT"),
                         (".", ".", "PUNCT", 3, "punct")], ents={0: "ORG:3"})
    assert [c[0] for c in candidates(doc)] == ["Zhipu", "Flagship"]
    # negative: a possessive inside a seed name is not cut
    assert [c[0] for c in candidates(blank("The PRC's leaders met."))] == ["PRC"]


@pytest.mark.parametrize(
    ("text", "name", "family"),
    [
        ("Qwen2.5-72B beat it.", "Qwen2.5-72B", "qwen"),
        ("Qwen3-235B-A22B beat it.", "Qwen3-235B-A22B", "qwen"),
        ("DeepSeek-V3.1 beat it.", "DeepSeek-V3.1", "deepseek-models"),
        ("Kimi K2 beat it.", "Kimi K2", "kimi"),
        ("GLM-4.5 beat it.", "GLM-4.5", "glm"),
        ("Llama 3.1 405B beat it.", "Llama 3.1 405B", "llama"),
        ("gpt-oss-120b beat it.", "gpt-oss-120b", "gpt"),
        ("Then Foo-34B beat it.", "Foo-34B", None),
    ],
)
def test_model_versions_link_to_their_family(blank: Language, tiny: SeedKB, text: str, name: str,
                                             family: str | None) -> None:
    found = entities(blank(text), tiny)
    model = found[name]
    assert model.type == "Model" and not model.in_seed
    assert model.family == (IRIS.entity_key(family) if family else None)
    assert ("model-version" in {m.rule for m in model.merges}) is True


@pytest.mark.parametrize("text", ["DeepSeek 2025 was busy.", "Nvidia H800 chips sold.", "COVID-19 spread.",
                                  "The F-35 flew.", "Section 230 applies.", "Step 2 follows.",
                                  "In Qwen models we trust."])
def test_things_that_are_not_model_versions(blank: Language, tiny: SeedKB, text: str) -> None:
    found = entities(blank(text), tiny)
    assert not [e for e in found.values() if e.type == "Model" and not e.in_seed], found


def test_lab_is_kept_apart_from_its_models(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("DeepSeek released DeepSeek-R1 and DeepSeek V3."), tiny)
    lab, r1, v3 = found["DeepSeek"], found["DeepSeek-R1"], found["DeepSeek-V3"]
    assert lab.type == "Lab" and r1.type == "Model" and lab.id != r1.id
    assert r1.family == v3.family == IRIS.entity_key("deepseek-models")
    assert [m.text for m in v3.mentions] == ["DeepSeek V3"]


# --------------------------------------------------------------------------- name shapes
@pytest.mark.parametrize(
    ("text", "name", "type_name"),
    [
        ("They met at Tsinghua University yesterday.", "Tsinghua University", "University"),
        ("They met at the University of Oxford yesterday.", "University of Oxford", "University"),
        ("The Allen Institute for AI said so.", "Allen Institute for AI", "ResearchCenter"),
        ("The Center for Security and Emerging Technology said so.", "Center for Security and Emerging Technology",
         "ResearchCenter"),
        ("The Vector Project said so.", "Vector Project", "ResearchCenter"),
        ("The Ministry of Commerce said so.", "Ministry of Commerce", "GovernmentBody"),
        ("The Cyberspace Administration of China said so.", "Cyberspace Administration of China", "GovernmentBody"),
        ("The National Development and Reform Commission said so.", "National Development and Reform Commission",
         "GovernmentBody"),
        ("The Food Safety Agency said so.", "Food Safety Agency", "GovernmentBody"),
        ("The Bureau of Labor Statistics said so.", "Bureau of Labor Statistics", "GovernmentBody"),
        ("Rivals such as Sakana AI grew.", "Sakana AI", "Lab"),
        ("The Inflation Reduction Act passed.", "Inflation Reduction Act", "Policy"),
    ],
)
def test_name_shapes_find_and_type_new_entities(blank: Language, tiny: SeedKB, text: str, name: str,
                                                type_name: str) -> None:
    found = entities(blank(text), tiny)
    assert name in found, found
    assert found[name].type == type_name and not found[name].in_seed
    assert found[name].id == IRIS.entity(name)


@pytest.mark.parametrize("text", ["Chinese AI is growing.", "We discussed Generative AI today.",
                                  "The rise of Open-Source AI continues.", "She joined the university last year.",
                                  "US AI policy shifted."])
def test_name_shapes_reject_generic_phrases(blank: Language, tiny: SeedKB, text: str) -> None:
    found = entities(blank(text), tiny)
    assert not [e for e in found.values() if not e.in_seed], found


def test_name_shape_stops_at_the_next_name_and_at_dates(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("The Ministry of Commerce and Peking University signed. The European Commission on July "
                           "10 said so."), tiny)
    assert {"Ministry of Commerce", "Peking University", "European Commission"} <= set(found)
    assert not any("July" in name or "and Peking" in name for name in found)


# --------------------------------------------------------------------------- statistical NER cleaning
def _ner(nlp: Language, words: list[str], ents: dict[int, str], tags: list[str] | None = None) -> Doc:
    iob = ["O"] * len(words)
    for start, spec in ents.items():
        label, length = spec.split(":")
        iob[start] = f"B-{label}"
        for k in range(start + 1, start + int(length)):
            iob[k] = f"I-{label}"
    return hand_doc(nlp, words, tags=tags, ents=iob)


def test_spurious_ner_entities_are_dropped(blank: Language, tiny: SeedKB) -> None:
    words = ["AI", "helps", "open-weight", "fans", "in", "the", "Global", "AI", "Race", "."]
    doc = _ner(blank, words, {0: "GPE:1", 2: "ORG:1", 6: "ORG:3"})
    assert candidates(doc) == []
    # negative: a real organisation beside them survives
    doc = _ner(blank, ["AI", "helps", "Zhipu", "grow", "."], {0: "GPE:1", 2: "ORG:1"})
    assert candidates(doc) == [("Zhipu", "Company", "ner")]


def test_us_tagged_org_becomes_the_country(blank: Language, tiny: SeedKB) -> None:
    doc = _ner(blank, ["U.S.", "firms", "grew", "."], {0: "ORG:1"})
    assert candidates(doc) == [("U.S.", "Country", "seed")]


def test_word_capitalised_by_position_is_not_a_name(blank: Language, tiny: SeedKB) -> None:
    tags = ["NN", "VBZ", "."]
    doc = _ner(blank, ["Innovation", "matters", "."], {0: "ORG:1"}, tags=tags)
    assert candidates(doc) == []
    doc = _ner(blank, ["Baidu", "matters", "."], {0: "ORG:1"}, tags=["NNP", "VBZ", "."])
    assert candidates(doc) == [("Baidu", "Company", "ner")]


def test_headline_fragments_are_dropped_unless_the_body_names_them(blank: Language, tiny: SeedKB) -> None:
    text = "Dragon Leap Surges Ahead\nMarkets were calm.\n"
    assert headline_ranges(text) == [(0, 24)]
    words = ["Dragon", "Leap", "Surges", "Ahead", "\n", "Markets", "were", "calm", ".", "\n"]
    spaces = [True, True, True, False, False, True, True, False, False, False]
    doc = hand_doc(blank, words, spaces=spaces, ents=["B-ORG", "I-ORG"] + ["O"] * 8)
    assert doc.text == text
    assert entities(doc, tiny) == {}
    words2 = ["Dragon", "Leap", "Surges", "Ahead", "\n", "Dragon", "Leap", "said", "profits", "rose", ".", "\n"]
    spaces2 = [True, True, True, False, False, True, True, True, True, False, False, False]
    doc2 = hand_doc(blank, words2, spaces=spaces2, ents=["B-ORG", "I-ORG"] + ["O"] * 10)
    found = entities(doc2, tiny)
    assert [m.text for m in found["Dragon Leap"].mentions] == ["Dragon Leap", "Dragon Leap"]


def test_ner_organisations_typed_by_head_word_context_and_credit(blank: Language, tiny: SeedKB) -> None:
    doc = _ner(blank, ["The", "Harbour", "Times", "reported", "."], {1: "ORG:2"})
    assert candidates(doc) == [("Harbour Times", "NewsOutlet", "ner-head")]
    doc = _ner(blank, ["startup", "Manus", "grew", "."], {1: "ORG:1"})
    assert candidates(doc) == [("Manus", "Company", "ner-context")]
    doc = _ner(blank, ["AI", "startup", "Manus", "grew", "."], {2: "ORG:1"}, tags=["NN", "NN", "NNP", "VBD", "."])
    assert [c[1] for c in candidates(doc)] == ["Lab"]
    words = ["Prices", "rose", ".", "(", "Harbour", "Bugle", ")", "\n"]
    doc = hand_doc(blank, words, spaces=[True, False, True, False, True, False, False, False],
                   ents=["O", "O", "O", "O", "B-ORG", "I-ORG", "O", "O"])
    assert candidates(doc) == [("Harbour Bugle", "NewsOutlet", "credit")]
    # negative: without any clue an organisation is a company
    doc = _ner(blank, ["Harbour", "Bugle", "grew", "."], {0: "ORG:2"})
    assert candidates(doc) == [("Harbour Bugle", "Company", "ner")]


def test_unknown_places_are_cities_only_where_used_as_places(blank: Language, tiny: SeedKB) -> None:
    doc = _ner(blank, ["A", "lab", "in", "Nairobi", "grew", "."], {3: "GPE:1"})
    assert candidates(doc) == [("Nairobi", "City", "ner")]
    doc = _ner(blank, ["They", "posted", "on", "LinkedIn", "."], {3: "GPE:1"})
    assert candidates(doc) == []
    doc = _ner(blank, ["Japanese", "firms", "and", "Japan", "grew", "."], {3: "GPE:1"})
    assert candidates(doc) == [("Japanese", "Country", "demonym"), ("Japan", "Country", "place")]


def test_lone_person_word_needs_a_speech_verb(blank: Language, tiny: SeedKB) -> None:
    doc = _ner(blank, ["the", "Arena", "leaderboard", "moved", "."], {1: "PERSON:1"})
    assert candidates(doc) == []
    doc = _ner(blank, ["Liang", "said", "no", "."], {0: "PERSON:1"})
    assert candidates(doc) == [("Liang", "Person", "ner")]


# --------------------------------------------------------------------------- within-document coreference
def test_short_form_resolves_to_the_full_name(blank: Language, tiny: SeedKB) -> None:
    words = ["Graham", "Webster", "spoke", ".", "Later", ",", "Webster", "said", "no", "."]
    doc = _ner(blank, words, {0: "PERSON:2"})
    found = entities(doc, tiny)
    webster = found["Graham Webster"]
    assert [m.text for m in webster.mentions] == ["Graham Webster", "Webster"]
    assert ("Webster", "short-form") in {(m.alias, m.rule) for m in webster.merges}
    found = entities(blank("Sakana AI grew. Then Sakana hired more."), tiny)
    assert [m.text for m in found["Sakana AI"].mentions] == ["Sakana AI", "Sakana"]
    # negative: two people share the surname, so a lone "Webster" stays unresolved
    words = ["Graham", "Webster", "and", "Anna", "Webster", "spoke", ".", "Webster", "said", "no", "."]
    doc = _ner(blank, words, {0: "PERSON:2", 3: "PERSON:2", 7: "PERSON:1"})
    found = entities(doc, tiny)
    assert len(found["Graham Webster"].mentions) == 1 and len(found["Anna Webster"].mentions) == 1


def test_abbreviation_defined_in_parentheses(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("The Center for Security and Emerging Technology (CSET) studies chips. CSET said so."),
                     tiny)
    cset = found["Center for Security and Emerging Technology"]
    assert [m.text for m in cset.mentions][-2:] == ["CSET", "CSET"]
    assert ("CSET", "abbreviation") in {(m.alias, m.rule) for m in cset.merges}
    # negative: letters that are not the name's initials define nothing
    found = entities(blank("The Center for Security and Emerging Technology (XYZ) studies chips. XYZ said so."),
                     tiny)
    assert [m.text for m in found["Center for Security and Emerging Technology"].mentions] == [
        "Center for Security and Emerging Technology"]


def test_definite_noun_phrase_refers_back(blank: Language, tiny: SeedKB) -> None:
    sent1 = [("Tsinghua", "NNP", "PROPN", 1, "compound"), ("University", "NNP", "PROPN", 2, "nsubj"),
             ("grew", "VBD", "VERB", 2, "ROOT"), (".", ".", "PUNCT", 2, "punct")]
    sent2 = [("Then", "RB", "ADV", 3, "advmod"), ("the", "DT", "DET", 2, "det"),
             ("university", "NN", "NOUN", 3, "nsubj"), ("hired", "VBD", "VERB", 3, "ROOT"),
             (".", ".", "PUNCT", 3, "punct")]
    found = entities(parsed(blank, sent1, sent2), tiny)
    uni = found["Tsinghua University"]
    assert [m.text for m in uni.mentions] == ["Tsinghua University", "the university"]
    assert ("the university", "short-form") in {(m.alias, m.rule) for m in uni.merges}
    assert "the university" not in uni.aliases
    # negative: a comparison is not a reference back, and nothing precedes the first sentence's noun
    sent2b = [("Then", "RB", "ADV", 4, "advmod"), ("the", "DT", "DET", 3, "det"), ("larger", "JJR", "ADJ", 3, "amod"),
              ("university", "NN", "NOUN", 4, "nsubj"), ("hired", "VBD", "VERB", 4, "ROOT"),
              (".", ".", "PUNCT", 4, "punct")]
    found = entities(parsed(blank, sent1, sent2b), tiny)
    assert [m.text for m in found["Tsinghua University"].mentions] == ["Tsinghua University"]
    found = entities(parsed(blank, sent2, sent1), tiny)
    assert [m.text for m in found["Tsinghua University"].mentions] == ["Tsinghua University"]


# --------------------------------------------------------------------------- report references
def _report_sentence(org_words: list[str]) -> Sentence:
    """"A new <ORG> report says China leads ." hand-parsed."""
    n = len(org_words)
    head = 2 + n
    sent: list[tuple[str, str, str, int, str]] = [("A", "DT", "DET", head, "det"), ("new", "JJ", "ADJ", head, "amod")]
    sent += [(w, "NNP", "PROPN", head, "compound") for w in org_words]
    sent += [("report", "NN", "NOUN", head + 1, "nsubj"), ("says", "VBZ", "VERB", head + 1, "ROOT"),
             ("China", "NNP", "PROPN", head + 3, "nsubj"), ("leads", "VBZ", "VERB", head + 1, "ccomp"),
             (".", ".", "PUNCT", head + 1, "punct")]
    return sent


THE_REPORT: Sentence = [("The", "DT", "DET", 1, "det"), ("report", "NN", "NOUN", 2, "nsubj"),
                        ("says", "VBZ", "VERB", 2, "ROOT"), ("so", "RB", "ADV", 2, "advmod"),
                        (".", ".", "PUNCT", 2, "punct")]


def test_report_reference_mints_a_report_named_after_the_organisation(blank: Language, tiny: SeedKB) -> None:
    found = entities(parsed(blank, _report_sentence(["Stanford", "University"]), THE_REPORT), tiny)
    report = found["Stanford University report"]
    assert report.type == "Report" and not report.in_seed
    assert [m.text for m in report.mentions] == ["A new Stanford University report", "The report"]
    assert {m.rule for m in report.merges} == {"report-reference"}
    assert found["Stanford University"].type == "University"
    # negative: a bare "the report" with no report introduced links nowhere; a verb "report" is no reference
    found = entities(parsed(blank, THE_REPORT), tiny)
    assert not [e for e in found.values() if e.type == "Report"]


def test_report_reference_links_the_seed_report_its_publisher_and_title_match(blank: Language,
                                                                            tiny: SeedKB) -> None:
    echo = [(w, "NN", "NOUN", 0, "dep" if i else "ROOT") for i, w in
            enumerate(["beyond", "deepseek", "open", "weight", "ecosystem", "policy", "implications", "."])]
    found = entities(parsed(blank, _report_sentence(["Stanford"]), THE_REPORT, echo), tiny)
    report = found["Beyond DeepSeek: China's Diverse Open-Weight AI Ecosystem and Its Policy Implications"]
    assert report.in_seed
    assert [m.text for m in report.mentions] == ["A new Stanford report", "The report"]
    # negative: the AI Index (same publisher chain) is not chosen when the text does not echo its title
    assert "AI Index" not in found


# --------------------------------------------------------------------------- exact offsets (property)
FRAGMENTS = ["Stanford HAI", "the U.S.", "Chinese", "Qwen2.5-72B", "Tsinghua University", "Alibaba’s Qwen",
             "Moonshot AI", "Kimi K2", " said", " that", "\n\n", ",", ".", " and", "the university", "(CSET)",
             "Center for Security and Emerging Technology", "DeepSeek-V3.1", "  ", "é", "中国", "report"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=25))
def test_every_mention_is_an_exact_slice(blank: Language, tiny: SeedKB, parts: list[str]) -> None:
    text = " ".join(parts)
    doc = blank(text)
    for ent in entities(doc, tiny, text).values():
        assert ent.mentions, ent
        for m in ent.mentions:
            assert text[m.start : m.end] == m.text and m.entity_id == ent.id
        assert ent.type in {"Lab", "Company", "University", "ResearchCenter", "ThinkTank", "GovernmentBody",
                            "NewsOutlet", "Model", "Country", "City", "Person", "Report", "Policy", "Place",
                            "Benchmark"}


def test_entities_are_sorted_and_deterministic(blank: Language, tiny: SeedKB) -> None:
    text = "Tsinghua University and Alibaba’s Qwen met the U.S. and Chinese officials. Moonshot AI agreed."
    first = list(entities(blank(text), tiny).values())
    second = list(entities(blank(text), tiny).values())
    assert first == second
    from kg.extract.entities import extract_entities
    from tests.extract_helpers import document

    ids = [e.id for e in extract_entities(blank(text), document(text), tiny, IRIS)]
    assert ids == sorted(ids)


def test_doc_and_document_text_must_match(blank: Language, tiny: SeedKB) -> None:
    from kg.extract.entities import extract_entities
    from tests.extract_helpers import document

    with pytest.raises(ValueError, match="differs"):
        extract_entities(blank("China grew."), document("China grew!"), tiny, IRIS)


def test_tiny_seed_is_really_tiny(tiny: SeedKB) -> None:
    """Guard: the shape/NER tests above are only meaningful while their names stay out of this seed."""
    for name in ("Tsinghua University", "Sakana AI", "Graham Webster", "Llama", "GLM"):
        assert not tiny.lookup(name)


def test_blank_pipeline_has_our_components(blank: Language) -> None:
    assert blank.pipe_names == ["sentencizer", "kg_seed_ruler", "kg_seed_ruler_exact", "kg_entity_candidates"]


def test_name_used_in_another_sense_is_no_mention(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("It ships under an OpenAI license. OpenAI said so."), tiny)
    assert [m.text for m in found["OpenAI"].mentions] == ["OpenAI"]
    assert found["OpenAI"].mentions[0].start == len("It ships under an OpenAI license. ")


def test_product_line_is_not_an_organisation(blank: Language, tiny: SeedKB) -> None:
    doc = _ner(blank, ["Huawei", "sells", "Ascend", "chips", "."], {0: "ORG:1", 2: "ORG:1"})
    assert candidates(doc) == [("Huawei", "Company", "ner")]


def test_publication_venue_is_not_a_city(blank: Language, tiny: SeedKB) -> None:
    doc = _ner(blank, ["The", "study", "was", "published", "in", "Nature", "."], {5: "GPE:1"})
    assert candidates(doc) == []
    doc = _ner(blank, ["The", "study", "was", "written", "near", "Nairobi", "."], {5: "GPE:1"})
    assert candidates(doc) == []  # "written" is a publication verb before the preposition
    doc = _ner(blank, ["A", "lab", "was", "opened", "in", "Nairobi", "."], {5: "GPE:1"})
    assert candidates(doc) == [("Nairobi", "City", "ner")]


def test_bare_reference_means_the_report_introduced_last(blank: Language, tiny: SeedKB) -> None:
    # "A study by researchers at Tsinghua University says China leads . The study says so ."
    study: Sentence = [("A", "DT", "DET", 1, "det"), ("study", "NN", "NOUN", 8, "nsubj"),
                       ("by", "IN", "ADP", 1, "prep"), ("researchers", "NNS", "NOUN", 2, "pobj"),
                       ("at", "IN", "ADP", 3, "prep"), ("Tsinghua", "NNP", "PROPN", 6, "compound"),
                       ("University", "NNP", "PROPN", 4, "pobj"), ("alone", "RB", "ADV", 8, "advmod"),
                       ("says", "VBZ", "VERB", 8, "ROOT"), (".", ".", "PUNCT", 8, "punct")]
    the_study: Sentence = [("The", "DT", "DET", 1, "det"), ("study", "NN", "NOUN", 2, "nsubj"),
                           ("says", "VBZ", "VERB", 2, "ROOT"), (".", ".", "PUNCT", 2, "punct")]
    found = entities(parsed(blank, _report_sentence(["Stanford"]), study, the_study), tiny)
    assert [m.text for m in found["Stanford University report"].mentions] == ["A new Stanford report"]
    assert [m.text for m in found["Tsinghua University report"].mentions] == ["A study", "The study"]
    # negative: an unnamed "a study" leaves a following "the study" unresolved
    unnamed: Sentence = [("A", "DT", "DET", 1, "det"), ("study", "NN", "NOUN", 2, "nsubj"),
                         ("says", "VBZ", "VERB", 2, "ROOT"), (".", ".", "PUNCT", 2, "punct")]
    found = entities(parsed(blank, _report_sentence(["Stanford"]), unnamed, the_study), tiny)
    assert [m.text for m in found["Stanford University report"].mentions] == ["A new Stanford report"]


def test_typing_noun_finds_a_name_the_ner_missed(blank: Language, tiny: SeedKB) -> None:
    words = ["Chinese", "AI", "startup", "Zhipu", "released", "a", "model", "."]
    tags = ["JJ", "NN", "NN", "NNP", "VBD", "DT", "NN", "."]
    doc = hand_doc(blank, words, tags=tags)
    assert ("Zhipu", "Lab", "ner-context") in candidates(doc)
    # negative: a date after the noun is no name, and an untagged doc is left alone
    doc = hand_doc(blank, ["The", "company", "Monday", "said", "."], tags=["DT", "NN", "NNP", "VBD", "."])
    assert candidates(doc) == []
    assert candidates(blank("AI startup Zhipu released a model.")) == []


def test_place_based_organisation_and_a_persons_administration(blank: Language, tiny: SeedKB) -> None:
    doc = _ner(blank, ["Nairobi", "-", "based", "Zindi", "grew", "."], {0: "GPE:1", 3: "GPE:1"})
    assert ("Zindi", "Company", "ner") in candidates(doc)
    doc = _ner(blank, ["the", "Biden", "administration", "acted", "."], {1: "ORG:1"})
    assert candidates(doc) == []
    doc = _ner(blank, ["the", "Biden", "Foundation", "acted", "."], {1: "ORG:2"})
    assert candidates(doc) == [("Biden Foundation", "Organization", "ner-head")]


def test_serial_comma_inside_a_name(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("The Department for Science, Innovation and Technology said so."), tiny)
    assert found["Department for Science, Innovation and Technology"].type == "GovernmentBody"
    found = entities(blank("The Ministry of Finance, Tsinghua University and others met."), tiny)
    assert {"Ministry of Finance", "Tsinghua University"} <= set(found)


def test_name_with_a_place_in_front_has_a_short_form(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("The UK Frontier Safety Institute tested it. The Frontier Safety Institute said so."),
                     tiny)
    inst = found["UK Frontier Safety Institute"]
    assert [m.text for m in inst.mentions] == ["UK Frontier Safety Institute", "Frontier Safety Institute"]
    assert "Frontier Safety Institute" not in found


def test_one_word_name_ending_in_ai_is_a_lab(blank: Language, tiny: SeedKB) -> None:
    doc = _ner(blank, ["MiniMaxAI", "and", "Sparkly", "grew", "."], {0: "ORG:1", 2: "ORG:1"})
    assert candidates(doc) == [("MiniMaxAI", "Lab", "ner-head"), ("Sparkly", "Company", "ner")]


# --------------------------------------------------------------------------- the trained pipeline, real seed
@pytest.fixture(scope="module")
def real_seed() -> SeedKB:
    from kg.config import Settings
    from kg.seed import load_seed

    return load_seed(Settings())


def found(nlp: Language, seed: SeedKB, text: str) -> dict[str, tuple[str, list[str]]]:
    """name -> (type, mention texts) of the entities the full pipeline finds in ``text``."""
    return {e.name: (e.type, [m.text for m in e.mentions]) for e in entities(nlp(text), seed).values()}


def test_unknown_organisations_by_their_context(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = ("Marta Quell, an analyst at Corvane Insights, was sceptical. Researchers at the Tidewater Evaluation "
            "Forum agreed. Pellbrook, an early backer of the startup, declined to comment.")
    got = found(trained_nlp, real_seed, text)
    assert got["Corvane Insights"][0] == "Company"
    assert got["Tidewater Evaluation Forum"][0] == "ThinkTank"
    assert got["Pellbrook"][0] == "Company"
    assert got["Marta Quell"][0] == "Person"
    # negative: a person described by a noun that also fits people stays a person; a place after "at" is no
    # organisation; a role at a seed organisation links to the seed entity
    text = "Henrik Dahl, an early investor, said so. Engineers at Shanghai were busy. Analysts at Alibaba agreed."
    got = found(trained_nlp, real_seed, text)
    assert got["Henrik Dahl"][0] == "Person"
    assert "Engineers at Shanghai" not in got and got.get("Shanghai", ("City",))[0] == "City"
    assert "Alibaba" in got and got["Alibaba"][0] == "Company"


def test_organisation_head_word_wins_over_a_person_label(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = "Orvessa Intelligence said its new model was trained in Hangzhou. Kestrin Partners invested."
    got = found(trained_nlp, real_seed, text)
    assert got["Orvessa Intelligence"][0] != "Person" and got["Kestrin Partners"][0] == "Company"
    # negative: "Artificial Intelligence" at the end of a name is not the head word "Intelligence"
    got = found(trained_nlp, real_seed, "Dana Whitfield spoke at the Harbor Institute for Artificial Intelligence.")
    assert got["Dana Whitfield"][0] == "Person"
    assert got["Harbor Institute for Artificial Intelligence"][0] == "ResearchCenter"


def test_policy_lab_is_a_think_tank(trained_nlp: Language, real_seed: SeedKB) -> None:
    got = found(trained_nlp, real_seed, "A fellow at the Harbour Policy Lab said the rules were vague.")
    assert got["Harbour Policy Lab"][0] == "ThinkTank"
    got = found(trained_nlp, real_seed, "The Harbour Robotics Lab built a new arm.")
    assert got.get("Harbour Robotics Lab", ("ResearchCenter",))[0] != "ThinkTank"


def test_washington_as_the_us_government_and_as_the_city(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = ("WASHINGTON, March 3 (Wirefeed) - Officials met on Monday.\n\n"
            "Washington wants allies to follow. The plan may face questions in Washington, where lawmakers are "
            "divided. A Washington, D.C.-based group disagreed.")
    got = found(trained_nlp, real_seed, text)
    assert got["United States"][0] == "Country"
    assert got["United States"][1].count("Washington") == 2
    assert got["Washington, D.C."][0] == "City" and "WASHINGTON" in got["Washington, D.C."][1]
    # Beijing is the city unless it is the subject of a government's verb
    text = "The startup is based in Beijing. Beijing warned that it would retaliate."
    got = found(trained_nlp, real_seed, text)
    assert got["Beijing"] == ("City", ["Beijing"])
    assert got["China"][1] == ["Beijing"]
    # negative: Washington state is no mention of either
    got = found(trained_nlp, real_seed, "The data centre sits in rural Washington state.")
    assert "United States" not in got and "Washington, D.C." not in got


def test_version_links_to_the_nearest_family_the_text_names(blank: Language, tiny: SeedKB) -> None:
    found = entities(blank("DeepSeek-R1 was updated. The new DeepSeek-R1-0528 reasons longer."), tiny)
    assert found["DeepSeek-R1-0528"].family == IRIS.entity_key("deepseek-r1")
    # negative: without its parent in the text, the version links to the root family
    found = entities(blank("The new DeepSeek-R1-0528 reasons longer."), tiny)
    assert found["DeepSeek-R1-0528"].family == IRIS.entity_key("deepseek-models")


def test_sizes_of_one_open_model_are_separate_models(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = ("The open gpt-oss line now has two sizes: gpt-oss-120b for servers and gpt-oss-20b for laptops. "
            "ChatGLM, an older GLM model, was also tested.")
    got = {e.name: e for e in entities(trained_nlp(text), real_seed).values()}
    assert {"gpt-oss", "gpt-oss-120b", "gpt-oss-20b"} <= set(got)
    assert got["gpt-oss-120b"].family == got["gpt-oss-20b"].family == got["gpt-oss"].id
    assert [m.text for m in got["gpt-oss"].mentions] == ["gpt-oss"]
    assert got["ChatGLM"].family == got["GLM"].id


def test_compound_model_name_stays_one_model(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = "The team released Qwen-SEA-LION-v5 on Friday; unlike SEA-LION before it, it starts from Qwen."
    got = {e.name: e for e in entities(trained_nlp(text), real_seed).values()}
    model = got["Qwen-SEA-LION-v5"]
    assert model.type == "Model" and [m.text for m in model.mentions] == ["Qwen-SEA-LION-v5"]
    assert model.family == got["SEA-LION"].id  # the longest model named inside it, not its first part
    # negative: a lower-case suffix is no part of a name ("Qwen-based"), and a version-less chain is not one
    got = {e.name: e for e in entities(trained_nlp("Qwen-based tools and Qwen-SEA-LION demos spread."),
                                       real_seed).values()}
    assert "Qwen-based" not in got and "Qwen-SEA-LION" not in got and "Qwen" in got


def test_demonym_as_a_language_is_no_country(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = "The assistant replies in Japanese and English. Japanese-language prompts were harder. Korean text too."
    got = found(trained_nlp, real_seed, text)
    assert "Japan" not in got and "South Korea" not in got
    # negative: a demonym modifying a noun still names the country
    got = found(trained_nlp, real_seed, "Japanese developers and Korean chipmakers expanded.")
    assert got["Japan"] == ("Country", ["Japanese"]) and got["South Korea"] == ("Country", ["Korean"])


def test_licence_named_after_a_university_is_no_university(trained_nlp: Language, real_seed: SeedKB) -> None:
    got = found(trained_nlp, real_seed, "The code ships under an MIT-style licence and the weights under the MIT "
                                        "License.")
    assert "Massachusetts Institute of Technology" not in got
    got = found(trained_nlp, real_seed, "Researchers at MIT tested the model.")
    assert got["Massachusetts Institute of Technology"][0] == "University"


def test_organisation_after_investor_in_and_developer_of_agents(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = ("Tencent took a stake in Velmora last year. Velmora, a Shenzhen-based developer of AI agents, "
            "grew. Korvane, a developer of large language models, also grew.")
    got = found(trained_nlp, real_seed, text)
    assert got["Velmora"][0] == "Company"
    assert got["Korvane"][0] == "Lab"
    # negative: "in" after an ordinary noun still reads a place as a city
    got = found(trained_nlp, real_seed, "She opened an office in Nairobi.")
    assert got["Nairobi"][0] == "City"


def test_region_adjective_and_languages_listed_after_a_language_noun(trained_nlp: Language,
                                                                      real_seed: SeedKB) -> None:
    text = ("The lab tunes East Asian language models. They still miss dialects such as Vietnamese, Korean and "
            "Tagalog.")
    got = found(trained_nlp, real_seed, text)
    assert got["East Asia"] == ("Place", ["East Asian"])
    assert "South Korea" not in got
    # negative: the same demonym in front of a noun names the country
    got = found(trained_nlp, real_seed, "Korean developers tested it in several languages.")
    assert got["South Korea"] == ("Country", ["Korean"])


def test_unknown_city_coordinated_with_a_place_after_in(trained_nlp: Language, real_seed: SeedKB) -> None:
    got = found(trained_nlp, real_seed, "A start-up in Lagos or Kigali could fine-tune the model cheaply.")
    assert got["Kigali"][0] == "City"
    # negative: a name coordinated with a company is not made a city
    got = found(trained_nlp, real_seed, "Meta and Kigali disagreed.")
    assert got.get("Kigali", ("-",))[0] != "City"


def test_unknown_model_family_learnt_from_the_document(blank: Language, tiny: SeedKB) -> None:
    text = ("Orlan Labs, the company behind the Tesk family, released Tesk-7. Varo-2.5-70B came first; Varo-3.1 "
            "followed. Orlan Labs's Quell-4.2 trailed.")
    got = entities(blank(text), tiny)
    assert {"Tesk-7", "Varo-2.5-70B", "Varo-3.1", "Quell-4.2"} <= set(got)
    assert all(got[n].type == "Model" for n in ("Tesk-7", "Varo-3.1", "Quell-4.2"))
    # negative: without a family noun, a size or a possessive, "Word-N" is no model name
    got = entities(blank("Section-7 of the bill and Phase-2 trials were discussed; Varo-3.1 shipped."), tiny)
    assert not {"Section-7", "Phase-2", "Varo-3.1"} & set(got)


def test_person_by_role_apposition_without_article(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = "Ilse Marrow, policy director of Quorra Systems, said the rules were unclear."
    got = found(trained_nlp, real_seed, text)
    assert got["Ilse Marrow"][0] == "Person"
    assert got["Quorra Systems"][0] == "Company"
    # negative: a list of cities before a comma is not read as a person
    got = found(trained_nlp, real_seed, "Shanghai, Beijing and Shenzhen, three hubs of industry, grew.")
    assert all(t == "City" for t, _ in got.values())


def test_hyphenated_stop_name_is_no_entity(trained_nlp: Language, real_seed: SeedKB) -> None:
    got = found(trained_nlp, real_seed, "COVID-19 rules slowed the rollout, the Ministry of Health said.")
    assert "COVID-19" not in got and got["Ministry of Health"][0] == "GovernmentBody"


def test_versions_written_without_the_lab_name(blank: Language, tiny: SeedKB) -> None:
    got = entities(blank("Testers ran DeepSeek-R1 and V3.2 side by side; DeepSeek's V4 came later."), tiny)
    assert got["DeepSeek-V3.2"].type == "Model" and [m.text for m in got["DeepSeek-V3.2"].mentions] == ["V3.2"]
    assert got["DeepSeek-V4"].family == IRIS.entity_key("deepseek-models")
    # negative: a bare version next to no model of a lab with that letter, or with another letter, is nothing
    got = entities(blank("Testers ran DeepSeek-R1 and K9 side by side; the V8 engine and Nvidia's H20 sold."), tiny)
    assert not {"K9", "DeepSeek-K9", "V8", "DeepSeek-V8", "DeepSeek-H20", "Nvidia-H20"} & set(got)


def test_short_model_name_with_a_glued_version(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = "Auditors found that R1-0612 refused fewer prompts than R1 did."
    got = {e.name: e for e in entities(trained_nlp(text), real_seed).values()}
    version = got["DeepSeek-R1-0612"]
    assert [m.text for m in version.mentions] == ["R1-0612"] and version.family == got["DeepSeek-R1"].id


def test_sentence_adverb_before_an_apposition_is_no_name(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = ("Meanwhile, a startup in Shenzhen raised money. However, an investor said no. Critics, a group "
            "that includes lawyers, objected. Kestrel, a venture firm, agreed.")
    got = found(trained_nlp, real_seed, text)
    assert not {"Meanwhile", "However", "Critics"} & set(got)
    assert got["Kestrel"][0] == "Company"


def test_capitals_coordinated_with_a_government_read_alike(trained_nlp: Language, real_seed: SeedKB) -> None:
    got = found(trained_nlp, real_seed, "Diplomats said Washington and Beijing must talk. Beijing has called the "
                                        "tariffs unfair.")
    assert got["China"] == ("Country", ["Beijing", "Beijing"])
    # negative: two cities coordinated, neither a government, stay cities
    got = found(trained_nlp, real_seed, "Flights between Beijing and Tokyo resumed.")
    assert got["Beijing"][0] == "City" and got["Tokyo"][0] == "City" and "China" not in got


def test_role_at_an_organisation_overrides_a_person_label(trained_nlp: Language, real_seed: SeedKB) -> None:
    got = found(trained_nlp, real_seed, "Analysts at Bernstein said the chips were scarce.")
    assert got["Bernstein"][0] == "Company"
    # negative: the same surname as a speaker stays a person
    got = found(trained_nlp, real_seed, "Dr Laura Bernstein said the chips were scarce.")
    assert got["Laura Bernstein"][0] == "Person"


def test_chip_export_controls_named_by_description(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = ("Washington tightened export curbs on high-end graphics chips again. Semiconductor export controls, "
            "officials argued, buy time. Export controls alone cannot stop a rival.")
    got = found(trained_nlp, real_seed, text)
    policy = got["October 2022 advanced computing and semiconductor export controls"]
    assert policy[0] == "Policy"
    assert policy[1] == ["export curbs on high-end graphics chips", "Semiconductor export controls",
                         "Export controls"]
    # negative: other restrictions, and bare "export controls" in a text with no chip description, are not it
    got = found(trained_nlp, real_seed, "Restrictions on travel and export controls on soybeans were debated. "
                                        "Export controls are an old tool.")
    assert all(t != "Policy" for t, _ in got.values())


def test_stated_kind_beats_a_generic_head_word(trained_nlp: Language, real_seed: SeedKB) -> None:
    text = ("Varnok Research, a Hangzhou-based developer of large language models, released weights. Varnok "
            "Research said more would follow. Varnok Research hired staff.")
    assert found(trained_nlp, real_seed, text)["Varnok Research"][0] == "Lab"
    # negative: with no stated kind the head word still types the name
    got = found(trained_nlp, real_seed, "Analysts at Varnok Partners said so. Varnok Partners hired staff.")
    assert got["Varnok Partners"][0] == "Company"
