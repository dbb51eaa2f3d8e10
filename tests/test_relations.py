"""Relations: one test per rule with a positive and a negative case, on real parses of hand-written sentences
(entities built by hand), then end to end on the two seed articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from spacy.language import Language

from kg.config import ONTOLOGY_DIR, ONTOLOGY_NS, Settings
from kg.corpus import read_corpus
from kg.extract import extract_document
from kg.extract.relation_context import relation_data
from kg.extract.relations import extract_relations
from kg.extract.spans import class_parents
from kg.iris import Iris
from kg.records import Entity, Extraction, Mention, Relation
from kg.seed import load_seed
from tests.relations_helpers import IRIS, NAMES, document, entities, iri, parse

Triple = tuple[str, str, str]


def relations(nlp: Language, text: str) -> tuple[Relation, ...]:
    rels = extract_relations(parse(nlp, text), document(text), entities(text), IRIS)
    for rel in rels:  # every evidence is an exact slice, whatever the test
        assert rel.evidence.text == text[rel.evidence.start : rel.evidence.end]
        assert 0 < rel.confidence <= 1
    return rels


def triples(nlp: Language, text: str) -> set[Triple]:
    return {(r.subject, r.predicate, r.object) for r in relations(nlp, text)}


def t(subject: str, predicate: str, obj: str) -> Triple:
    return iri(subject), predicate, iri(obj)


# possessives ---------------------------------------------------------------------------------------------


def test_possessive_gives_developer_only_from_an_organisation_to_a_model(trained_nlp: Language) -> None:
    assert t("Qwen", "developedBy", "Alibaba") in triples(trained_nlp, "Alibaba's Qwen topped the download charts.")
    # a country does not develop a model, and co-occurrence is no relation
    assert triples(trained_nlp, "China's Qwen topped the charts.") == set()
    assert triples(trained_nlp, "Alibaba and Qwen were both named in the filing.") == set()


def test_possessive_university_centre_and_the_universitys_centre(trained_nlp: Language) -> None:
    text = "Stanford University's DigiChina Project tracks policy."
    assert t("DigiChina Project", "partOf", "Stanford University") in triples(trained_nlp, text)
    text = (
        "Stanford is in California. The DigiChina Project, housed under the university's Center for International "
        "Security and Cooperation, tracks policy."
    )
    found = triples(trained_nlp, text)
    assert t("DigiChina Project", "partOf", "CISAC") in found
    assert t("CISAC", "partOf", "Stanford University") in found
    assert triples(trained_nlp, "The DigiChina Project is not housed under the Center for International Security "
                                "and Cooperation.") == set()


def test_operates_under_and_the_implied_parent(trained_nlp: Language) -> None:
    text = ("The analysis was produced by Stanford University's DigiChina Project, which operates under the Center "
            "for International Security and Cooperation.")
    rels = {(r.subject, r.predicate, r.object): r for r in relations(trained_nlp, text)}
    assert rels[t("DigiChina Project", "partOf", "CISAC")].rule == "operates-under"
    implied = rels[t("CISAC", "partOf", "Stanford University")]
    stated = rels[t("DigiChina Project", "partOf", "CISAC")]
    assert implied.rule == "implied-parent" and implied.confidence < stated.confidence
    assert t("Beyond DeepSeek", "publishedBy", "DigiChina Project") in rels
    negated = "DigiChina never operated under the Center for International Security and Cooperation."
    assert triples(trained_nlp, negated) == set()


# bridges: roles, places, parts ---------------------------------------------------------------------------


def test_founder_in_apposition_possessive_and_title(trained_nlp: Language) -> None:
    lead = t("Liang Wenfeng", "leads", "DeepSeek")
    assert lead in triples(trained_nlp, "DeepSeek's founder Liang Wenfeng declined to comment.")
    assert lead in triples(trained_nlp, "Liang Wenfeng, founder of DeepSeek, declined to comment.")
    assert t("Sam Altman", "leads", "OpenAI") in triples(trained_nlp, "OpenAI CEO Sam Altman praised the model.")
    # a former role is not a current one; two names side by side are not a role
    assert triples(trained_nlp, "Liang Wenfeng, a former chief executive of DeepSeek, declined to comment.") == set()
    assert triples(trained_nlp, "Liang Wenfeng and DeepSeek declined to comment.") == set()


def test_works_for_and_leads_do_not_double_up(trained_nlp: Language) -> None:
    assert t("Jane Park", "worksFor", "Stanford University") in triples(
        trained_nlp, '"It is a turning point," said Jane Park, a researcher at Stanford University.'
    )
    found = triples(trained_nlp, "Sam Altman, OpenAI's chief executive, said the release was overdue.")
    assert t("Sam Altman", "leads", "OpenAI") in found
    assert t("Sam Altman", "worksFor", "OpenAI") not in found  # leads implies it
    assert triples(trained_nlp, "Jane Park, who is not a researcher at Stanford University, disagreed.") == set()


def test_based_in_from_hyphen_apposition_and_demonym(trained_nlp: Language) -> None:
    based = t("DeepSeek", "basedIn", "Hangzhou")
    assert based in triples(trained_nlp, "Hangzhou-based DeepSeek released R1 in January.")
    assert based in triples(trained_nlp, "DeepSeek, a Hangzhou-based developer, released R1 in January.")
    assert t("DeepSeek", "basedIn", "China") in triples(trained_nlp, "Chinese startup DeepSeek released R1.")
    assert based not in triples(trained_nlp, "DeepSeek is not based in Hangzhou.")
    # a demonym before a model is no place of business
    assert triples(trained_nlp, "Chinese models such as Qwen spread quickly.") == set()


def test_part_of_copula_but_not_from_a_name_alone(trained_nlp: Language) -> None:
    assert t("Alibaba Cloud", "partOf", "Alibaba") in triples(trained_nlp, "Alibaba Cloud is part of Alibaba.")
    assert triples(trained_nlp, "Alibaba Cloud is not part of Alibaba.") == set()
    # the guidelines: "Stanford HAI" is a name; a name alone states no relation
    found = triples(trained_nlp, "A Stanford University report cites Stanford HAI.")
    assert t("HAI", "partOf", "Stanford University") not in found


def test_role_noun_with_an_anaphoric_owner_and_an_acronym(trained_nlp: Language) -> None:
    text = ("Alibaba's Qwen overtook Meta's Llama in downloads. Alibaba Cloud, the group's cloud computing arm, "
            "develops the models.")
    found = triples(trained_nlp, text)
    assert t("Alibaba Cloud", "partOf", "Alibaba") in found and t("Alibaba Cloud", "partOf", "Meta") not in found
    names = {
        "DigiChina Project": ("DigiChina Project", "ResearchCenter"),
        "DCP": ("DigiChina Project", "ResearchCenter"),
        "Stanford University": ("Stanford University", "University"),
    }
    text = "The DigiChina Project (DCP), part of Stanford University, said on Tuesday that it would expand."
    rels = extract_relations(parse(trained_nlp, text), document(text), entities(text, names), IRIS)
    part_of = t("DigiChina Project", "partOf", "Stanford University")
    assert {(r.subject, r.predicate, r.object) for r in rels} == {part_of}


def test_coordinated_anchors_share_the_relation(trained_nlp: Language) -> None:
    found = triples(trained_nlp, "Alibaba is also an investor in DeepSeek and Moonshot AI, two of its rivals.")
    assert {t("DeepSeek", "fundedBy", "Alibaba"), t("Moonshot AI", "fundedBy", "Alibaba")} <= found


# verb frames ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alibaba acquired Moonshot AI in a stock deal.", True),
        ("Moonshot AI was acquired by Alibaba.", True),
        ("Alibaba has not acquired Moonshot AI.", False),
        ("Alibaba failed to acquire Moonshot AI.", False),
        ("Alibaba never acquired Moonshot AI.", False),
        ("Alibaba may acquire Moonshot AI.", False),  # hedged: no relation (see kg/patterns/relations.json)
        ("Did Alibaba acquire Moonshot AI?", False),
    ],
)
def test_acquired_by_only_when_asserted(trained_nlp: Language, text: str, expected: bool) -> None:
    assert (t("Moonshot AI", "acquiredBy", "Alibaba") in triples(trained_nlp, text)) is expected


def test_funded_by_from_participles_and_hyphens(trained_nlp: Language) -> None:
    funded = t("Moonshot AI", "fundedBy", "Alibaba")
    assert funded in triples(trained_nlp, "Moonshot AI, backed by Alibaba, released Kimi K2.")
    assert funded in triples(trained_nlp, "Alibaba-backed Moonshot AI released Kimi K2.")
    assert funded not in triples(trained_nlp, "Moonshot AI is not backed by Alibaba.")


def test_builds_on_but_not_what_it_was_built_instead_of(trained_nlp: Language) -> None:
    found = triples(trained_nlp, "Kimi K2, which was fine-tuned from DeepSeek-V3, ships today.")
    assert t("Kimi K2", "buildsOn", "DeepSeek-V3") in found
    found = triples(trained_nlp, "Singapore's programme built on Qwen rather than on Llama was launched in November.")
    assert t("Singapore", "buildsOn", "Qwen") in found
    assert all(o != iri("Llama") for _s, p, o in found if p == "buildsOn")
    assert triples(trained_nlp, "Kimi K2 is not based on DeepSeek-V3.") == set()


def test_outperforms_needs_an_evaluation_and_no_negation(trained_nlp: Language) -> None:
    beats = t("DeepSeek-R1", "outperforms", "GPT-4o")
    assert beats in triples(trained_nlp, "R1 beat GPT-4o on maths benchmarks.")
    assert beats not in triples(trained_nlp, "R1 did not beat GPT-4o on maths benchmarks.")
    assert beats not in triples(trained_nlp, "R1 appears to outperform GPT-4o on maths benchmarks.")
    assert beats not in triples(trained_nlp, "R1 overtook GPT-4o in downloads last month.")  # popularity, no test


def test_competes_with_keeps_to_one_kind_of_thing(trained_nlp: Language) -> None:
    found = triples(trained_nlp, "Baidu competes with Alibaba in cloud services.")
    assert t("Baidu", "competesWith", "Alibaba") in found or t("Alibaba", "competesWith", "Baidu") in found
    assert triples(trained_nlp, "Baidu competes with China's best labs.") == set()


def test_restricts_from_export_controls_lists_and_bans(trained_nlp: Language) -> None:
    text = "Washington imposed export restrictions on advanced chips to China in 2022."
    assert t("United States", "restricts", "China") in triples(trained_nlp, text)
    assert t("United States", "restricts", "China") in triples(
        trained_nlp, "U.S. export restrictions on advanced chips to China hurt Nvidia."
    )
    listed = t("Entity List", "restricts", "Huawei")
    assert listed in triples(trained_nlp, "Huawei was added to the Entity List in 2019.")
    assert listed in triples(trained_nlp, "Huawei has been on the Entity List since 2019.")
    assert triples(trained_nlp, "Washington did not impose export restrictions on chips to China.") == set()
    assert triples(trained_nlp, "There are no restrictions on Huawei in the Entity List draft.") == set()


def test_regulates_needs_a_regulator(trained_nlp: Language) -> None:
    reg = t("Cyberspace Administration of China", "regulates", "DeepSeek")
    assert reg in triples(trained_nlp, "The Cyberspace Administration of China regulates DeepSeek.")
    assert triples(trained_nlp, "Alibaba regulates DeepSeek.") == set()  # a company is no regulator


def test_published_by_and_collaboration_on_a_report(trained_nlp: Language) -> None:
    text = ("The report was prepared by the DigiChina Project. It was developed in collaboration with the "
            "Institute for Human-Centered Artificial Intelligence.")
    found = triples(trained_nlp, text)
    assert t("Beyond DeepSeek", "publishedBy", "DigiChina Project") in found
    assert t("Beyond DeepSeek", "publishedBy", "HAI") in found  # co-publisher
    pair = {t("DigiChina Project", "collaboratesWith", "HAI"), t("HAI", "collaboratesWith", "DigiChina Project")}
    assert pair & found
    assert triples(trained_nlp, "DigiChina never collaborated with the Institute for Human-Centered Artificial "
                                "Intelligence.") == set()


# properties of the stage ---------------------------------------------------------------------------------


def test_output_is_deterministic_and_independent_of_entity_order(trained_nlp: Language) -> None:
    text = "Alibaba-backed Moonshot AI released Kimi K2, which was fine-tuned from DeepSeek-V3."
    doc = parse(trained_nlp, text)
    ents = entities(text)
    first = extract_relations(doc, document(text), ents, IRIS)
    again = extract_relations(doc, document(text), list(reversed(ents)), IRIS)
    assert first == again and first
    keys = [(r.evidence.start, r.evidence.end, r.predicate, r.subject, r.object) for r in first]
    assert keys == sorted(keys)


def test_offsets_of_a_chunk_are_document_offsets(trained_nlp: Language) -> None:
    head = "Some preamble that is parsed elsewhere. "
    body = "Alibaba's Qwen topped the charts."
    text = head + body
    ents = entities(text)
    rels = extract_relations(parse(trained_nlp, body), document(text), ents, IRIS, offset=len(head))
    (rel,) = rels
    assert rel.evidence.text == "Alibaba's Qwen" == text[rel.evidence.start : rel.evidence.end]
    with pytest.raises(ValueError, match="does not match"):
        extract_relations(parse(trained_nlp, body), document(text), ents, IRIS, offset=0)


def test_signatures_and_classes_agree_with_the_ontology() -> None:
    graph = rdflib.Graph().parse(ONTOLOGY_DIR / "kg.ttl", format="turtle")
    kg = rdflib.Namespace(ONTOLOGY_NS)

    def local(node: rdflib.term.Node) -> str:
        return str(node)[len(ONTOLOGY_NS) :]

    for predicate, sig in relation_data().signatures.items():
        prop = kg[predicate]
        assert (prop, rdflib.RDF.type, rdflib.OWL.ObjectProperty) in graph, predicate
        domain = {local(d) for d in graph.objects(prop, rdflib.RDFS.domain)}
        range_ = {local(r) for r in graph.objects(prop, rdflib.RDFS.range)}
        assert set(sig.domain or ()) == domain, predicate
        assert set(sig.range or ()) == range_, predicate
    for child, parent in class_parents().items():
        assert (kg[child], rdflib.RDFS.subClassOf, kg[parent]) in graph


def test_every_rule_names_predicates_and_classes_the_ontology_has() -> None:
    raw = json.loads((Path(__file__).parent.parent / "kg" / "patterns" / "relations.json").read_text())
    predicates = set(raw["signatures"])
    classes = set(raw["class_parents"]) | {"Organization", "Model", "Benchmark", "Place", "Person", "Report", "Policy"}
    entries = raw["bridges"] + raw["possessives"] + raw["verb_frames"] + raw["nominal_frames"] + raw["role_classes"]
    for entry in entries:
        assert entry["predicate"] in predicates, entry
        for key in ("left", "right", "possessor", "possessed", "subject_types", "object_types", "holder", "anchor"):
            assert set(entry.get(key) or ()) <= classes, (entry, key)


# credits, pronoun appositions, policy references, fronted names -------------------------------------------

EXTRA_NAMES = {
    **NAMES,
    "Commerce Department": ("Commerce Department", "GovernmentBody"),
    "AI Act": ("AI Act", "Policy"),
    "Liang Wenfeng": ("Liang Wenfeng", "Person"),
    "AI Singapore": ("AI Singapore", "ResearchCenter"),
    "SEA-LION": ("SEA-LION", "Model"),
    "American": ("United States", "Country"),
    "High-Flyer": ("High-Flyer", "Company"),
    "Southeast Asian": ("Southeast Asia", "Place"),
}


def triples_with(nlp: Language, text: str, names: dict[str, tuple[str, str]]) -> set[Triple]:
    rels = extract_relations(parse(nlp, text), document(text), entities(text, names), IRIS)
    return {(r.subject, r.predicate, r.object) for r in rels}


def test_a_credit_line_credits_the_documents_report(trained_nlp: Language) -> None:
    text = (
        "Beyond DeepSeek\n\nA joint publication of the DigiChina Project at Stanford University and the "
        "Institute for Human-Centered Artificial Intelligence.\n\nThe report argues that openness spreads."
    )
    found = triples(trained_nlp, text)
    assert t("Beyond DeepSeek", "publishedBy", "DigiChina Project") in found
    assert t("Beyond DeepSeek", "publishedBy", "HAI") in found
    assert t("DigiChina Project", "collaboratesWith", "HAI") in found or t(
        "HAI", "collaboratesWith", "DigiChina Project") in found
    # "at Stanford University" places DigiChina; it credits no publisher
    assert t("Beyond DeepSeek", "publishedBy", "Stanford University") not in found
    # a sentence with a subject is no credit line
    text = "Beyond DeepSeek\n\nReuters called it a publication of note by Stanford University."
    assert t("Beyond DeepSeek", "publishedBy", "Stanford University") not in triples(trained_nlp, text)


def test_persons_under_an_about_the_authors_heading_wrote_the_report(trained_nlp: Language) -> None:
    text = (
        "Beyond DeepSeek\n\nThe report argues that openness spreads. Liang Wenfeng founded DeepSeek.\n\n"
        "About the Authors\n\nJane Park leads the DigiChina Project. Sam Altman and Jane Park work at "
        "Stanford University.\n\nAcknowledgements\n\nLiang Wenfeng reviewed a draft of the report."
    )
    found = triples(trained_nlp, text)
    assert t("Beyond DeepSeek", "authoredBy", "Jane Park") in found
    assert t("Beyond DeepSeek", "authoredBy", "Sam Altman") in found
    # named before the section and under the next heading: no author
    assert t("Beyond DeepSeek", "authoredBy", "Liang Wenfeng") not in found


def test_a_pronoun_apposition_relates_the_names_before_it(trained_nlp: Language) -> None:
    text = "Alibaba is an investor in DeepSeek and Moonshot AI, two of its rivals in open models."
    found = triples(trained_nlp, text)
    assert t("Alibaba", "competesWith", "DeepSeek") in found or t("DeepSeek", "competesWith", "Alibaba") in found
    assert t("Alibaba", "competesWith", "Moonshot AI") in found or t("Moonshot AI", "competesWith",
                                                                       "Alibaba") in found
    text = "DeepSeek released R1 in January. Liang Wenfeng, its founder, said the model was cheap to train."
    assert t("Liang Wenfeng", "leads", "DeepSeek") in triples(trained_nlp, text)
    # no role noun, no relation
    text = "Alibaba is an investor in DeepSeek and Moonshot AI, two of its holdings in open models."
    assert not {f for f in triples(trained_nlp, text) if f[1] == "competesWith"}


def test_plural_role_nouns_after_coordinated_names(trained_nlp: Language) -> None:
    found = triples(trained_nlp, "Jane Park and Sam Altman are researchers at Stanford University.")
    assert t("Jane Park", "worksFor", "Stanford University") in found
    assert t("Sam Altman", "worksFor", "Stanford University") in found
    # a singular apposition belongs to the last name only
    found = triples(trained_nlp, "Jane Park and Sam Altman, a researcher at Stanford University, disagreed.")
    assert t("Sam Altman", "worksFor", "Stanford University") in found
    assert t("Jane Park", "worksFor", "Stanford University") not in found


def test_a_bare_policy_noun_refers_to_the_policy_named_with_it(trained_nlp: Language) -> None:
    text = (
        "Huawei has been on the Entity List since 2019. The list, maintained by the Commerce Department, now "
        "names hundreds of firms."
    )
    assert t("Entity List", "issuedBy", "Commerce Department") in triples_with(trained_nlp, text, EXTRA_NAMES)
    # two policies and a noun that names neither: no guess
    text = (
        "Huawei is on the Entity List and Meta must follow the AI Act. The rules, maintained by the Commerce "
        "Department, keep changing."
    )
    found = triples_with(trained_nlp, text, EXTRA_NAMES)
    assert not {f for f in found if f[1] == "issuedBy"}


def test_a_model_family_named_as_a_modifier_and_a_fronted_subject(trained_nlp: Language) -> None:
    text = "Moonshot AI had released earlier versions of Kimi and launched the Kimi K2 family in 2025."
    assert t("Kimi K2", "developedBy", "Moonshot AI") in triples(trained_nlp, text)
    # the parser takes "long a rival of DeepSeek" for the subject and hangs Moonshot AI on the verb
    text = "Moonshot AI, long a rival of DeepSeek, opened the weights of Kimi K2 in July."
    found = triples(trained_nlp, text)
    assert t("Kimi K2", "developedBy", "Moonshot AI") in found
    assert t("Kimi K2", "developedBy", "DeepSeek") not in found


def test_its_newest_model_is_the_version_the_document_names(trained_nlp: Language) -> None:
    names = {
        **EXTRA_NAMES,
        "SEA-LION v5": ("SEA-LION v5", "Model"),
        "Singapore AI": ("Singapore AI", "ResearchCenter"),
    }
    text = (
        "Singapore AI, the programme behind SEA-LION, has trained its newest model on Alibaba's Qwen. "
        "The model, SEA-LION v5, covers eleven languages."
    )
    rels = extract_relations(
        parse(trained_nlp, text), document(text), entities(text, names, {"SEA-LION v5": "SEA-LION"}), IRIS
    )
    found = {(r.subject, r.predicate, r.object) for r in rels}
    assert t("SEA-LION v5", "buildsOn", "Qwen") in found
    assert t("SEA-LION v5", "developedBy", "Singapore AI") in found
    assert t("SEA-LION", "buildsOn", "Qwen") not in found
    # without "newest", "its model" stays the family the programme is known for
    text = "Singapore AI, the programme behind SEA-LION, has trained its model on Alibaba's Qwen."
    assert t("SEA-LION", "buildsOn", "Qwen") in triples_with(trained_nlp, text, names)


def test_restrictions_on_exports_of_chips_to_a_country(trained_nlp: Language) -> None:
    text = "American restrictions on sales of the fastest AI chips to China have reshaped the market."
    assert t("United States", "restricts", "China") in triples_with(trained_nlp, text, EXTRA_NAMES)
    text = "American restrictions on sales of chips made in China have reshaped the market."
    assert t("United States", "restricts", "China") not in triples_with(trained_nlp, text, EXTRA_NAMES)


def test_a_policy_named_by_its_own_phrase_restricts_the_target_after_it(trained_nlp: Language) -> None:
    names = {
        **EXTRA_NAMES,
        "restrictions on exports of advanced AI chips": ("Chip export controls", "Policy"),
        "US": ("United States", "Country"),
    }
    text = "US restrictions on exports of advanced AI chips to China slowed the labs."
    found = triples_with(trained_nlp, text, names)
    assert t("Chip export controls", "restricts", "China") in found
    assert t("Chip export controls", "issuedBy", "United States") in found
    # the guidelines: the acting country restricts too, not only its instrument
    assert t("United States", "restricts", "China") in found
    # the policy's own words ("on advanced chips") are no target
    assert t("Chip export controls", "restricts", "Chip export controls") not in found
    text = "US restrictions on exports of advanced AI chips slowed the labs."
    assert not {f for f in triples_with(trained_nlp, text, names) if f[1] == "restricts"}


def test_no_possessive_for_part_of_a_longer_version_name(trained_nlp: Language) -> None:
    text = "Agents built on DeepSeek's R1-0528 followed hidden instructions more often."
    ents = entities(text)  # "DeepSeek" only: the helper never tags "R1" inside "R1-0528"
    start = text.index("R1")
    r1 = Entity(id=iri("DeepSeek-R1"), name="DeepSeek-R1", type="Model",
                mentions=(Mention(start, start + 2, "R1", iri("DeepSeek-R1")),))
    rels = extract_relations(parse(trained_nlp, text), document(text), [*ents, r1], IRIS)
    assert not [r for r in rels if r.predicate == "developedBy"]
    # the whole name recognised: the possessive holds
    text = "Agents built on DeepSeek's R1 followed hidden instructions more often."
    assert t("DeepSeek-R1", "developedBy", "DeepSeek") in triples(trained_nlp, text)


def test_a_post_of_its_own_is_not_the_head_of_the_organisation(trained_nlp: Language) -> None:
    found = triples(trained_nlp, "Jane Park, HAI's director of research, said the gap had closed.")
    assert t("Jane Park", "worksFor", "HAI") in found
    assert t("Jane Park", "leads", "HAI") not in found
    found = triples(trained_nlp, "Jane Park, director of HAI, said the gap had closed.")
    assert t("Jane Park", "leads", "HAI") in found


def test_an_organisations_report_is_the_one_report_named(trained_nlp: Language) -> None:
    text = "Beyond DeepSeek came out on Tuesday. Stanford University's report found that Qwen leads."
    assert t("Beyond DeepSeek", "publishedBy", "Stanford University") in triples(trained_nlp, text)
    # two reports: which one is meant is not stated
    names = {**NAMES, "AI Index": ("AI Index", "Report")}
    text = "Beyond DeepSeek and the AI Index came out. Stanford University's report found that Qwen leads."
    found = triples_with(trained_nlp, text, names)
    assert not {f for f in found if f[1] == "publishedBy"}


def test_a_split_co_prefix_verb_keeps_its_subject(trained_nlp: Language) -> None:
    text = "DeepSeek was set up by Liang Wenfeng, who had earlier co-founded the trading firm High-Flyer."
    found = triples_with(trained_nlp, text, EXTRA_NAMES)
    assert t("Liang Wenfeng", "leads", "High-Flyer") in found
    assert t("DeepSeek", "leads", "High-Flyer") not in found


def test_a_bare_company_title_belongs_to_the_documents_company(trained_nlp: Language) -> None:
    text = (
        "OpenAI released two open models on Tuesday. Chief executive Sam Altman said in March that OpenAI had "
        "misjudged open weights."
    )
    assert t("Sam Altman", "leads", "OpenAI") in triples(trained_nlp, text)
    # a government title is not a company title, and the company must be named in that sentence
    text = "OpenAI released two models on Tuesday. Commerce Secretary Jane Park said OpenAI had misjudged them."
    assert t("Jane Park", "leads", "OpenAI") not in triples(trained_nlp, text)
    text = "OpenAI released two models on Tuesday. OpenAI said so. Chief executive Sam Altman was not available."
    assert t("Sam Altman", "leads", "OpenAI") not in triples(trained_nlp, text)


def test_its_never_refers_to_a_demonym(trained_nlp: Language) -> None:
    text = (
        "Weighing Llama against Qwen\n\nAI Singapore, the state programme behind the SEA-LION family of "
        "Southeast Asian language models, has trained its newest model on Qwen."
    )
    found = triples_with(trained_nlp, text, EXTRA_NAMES)
    assert t("Southeast Asia", "buildsOn", "Qwen") not in found


def test_a_headline_run_into_the_first_sentence(trained_nlp: Language) -> None:
    # the parser joins a headline without a full stop to the sentence after the blank line
    text = "Chinese labs race ahead\n\nAlibaba on Monday released Qwen under an open licence."
    assert t("Qwen", "developedBy", "Alibaba") in triples(trained_nlp, text)
    text = (
        "Singapore's national AI effort trades Llama for Alibaba's Qwen\n\nAI Singapore, the state-funded "
        "programme behind SEA-LION, has moved its newest model onto Qwen."
    )
    found = triples_with(trained_nlp, text, EXTRA_NAMES)
    assert t("Qwen", "developedBy", "Alibaba") in found
    # "Alibaba's" hangs on "AI Singapore" in the parse, across the blank line: no possessive there
    assert t("AI Singapore", "partOf", "Alibaba") not in found
    # the parser hangs "AI Singapore" on the headline and takes its apposition for the subject
    names = {**EXTRA_NAMES, "SEA-LION v5": ("SEA-LION v5", "Model")}
    text = (
        "Singapore's national AI effort trades Llama for Alibaba's Qwen\n\nAI Singapore, the state-funded "
        "programme behind SEA-LION, has developed SEA-LION v5."
    )
    assert t("SEA-LION v5", "developedBy", "AI Singapore") in triples_with(trained_nlp, text, names)


# definite references resolved by the entity stage (kg/extract/coref.py), end to end --------------------


def _pipeline_triples(nlp: Language, text: str) -> set[tuple[str, str, str]]:
    """(subject name, predicate, object name) from the full extraction of ``text`` (entities found by the
    pipeline, not by hand)."""
    settings = Settings()
    ex = extract_document(nlp(text), document(text), load_seed(settings), Iris(settings.base_iri))
    names = {e.id: e.name for e in ex.entities}
    return {(names[r.subject], r.predicate, names[r.object]) for r in ex.relations}


def test_the_company_is_the_salient_organisation_not_the_nearest(trained_nlp: Language) -> None:
    text = (
        "Moonshot AI has released Kimi K2, a model with one trillion parameters. Moonshot AI said the model was "
        "trained on Nvidia H800 chips over two months. The company, which is backed by Alibaba, plans to raise "
        "more money this year."
    )
    found = _pipeline_triples(trained_nlp, text)
    assert ("Moonshot AI", "fundedBy", "Alibaba") in found
    assert not {f for f in found if f[0] == "Nvidia"}


def test_a_place_based_definite_description_refers_back(trained_nlp: Language) -> None:
    text = (
        "Tencent on Monday released a new Hunyuan model for video generation. The Shenzhen-based internet group, "
        "whose chief executive Pony Ma rarely speaks to the press, did not give a price."
    )
    found = _pipeline_triples(trained_nlp, text)
    assert ("Tencent", "basedIn", "Shenzhen") in found
    assert ("Pony Ma", "leads", "Tencent") in found
    # a comparison is not a reference: "the larger ... group" names nothing
    text = "Tencent released a model. The larger Shenzhen-based group, Huawei, did not."
    assert ("Tencent", "basedIn", "Shenzhen") not in _pipeline_triples(trained_nlp, text)


def test_a_definite_noun_with_a_name_in_apposition_is_that_name(trained_nlp: Language) -> None:
    text = (
        "Meta's Llama was once the default base model. The model, Orchid-7B, was released on Friday and is built "
        "on Qwen3-32B."
    )
    found = _pipeline_triples(trained_nlp, text)
    assert ("Llama", "buildsOn", "Qwen3-32B") not in found


# the seed articles ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_relations(trained_nlp: Language, seeds_dir: Path) -> tuple[set[Triple], list[Extraction]]:
    settings = Settings()
    corpus = read_corpus([seeds_dir], settings)
    seed = load_seed(settings)
    iris = Iris(settings.base_iri)
    extractions = [extract_document(trained_nlp(d.text), d, seed, iris) for d in corpus.documents]
    found = {(r.subject, r.predicate, r.object) for ex in extractions for r in ex.relations}
    return found, extractions


def _seed(key: str) -> str:
    return Iris().entity_key(key)


def test_seed_articles_give_the_stanford_structure(seed_relations: tuple[set[Triple], list[Extraction]]) -> None:
    found, _ = seed_relations
    assert (_seed("digichina"), "partOf", _seed("cisac")) in found
    assert (_seed("cisac"), "partOf", _seed("stanford-university")) in found
    # "Stanford HAI" is a name, not a statement that HAI is part of Stanford (annotation guidelines)
    assert (_seed("hai"), "partOf", _seed("stanford-university")) not in found


def test_seed_articles_give_the_report_publisher_and_collaboration(
    seed_relations: tuple[set[Triple], list[Extraction]],
) -> None:
    found, _ = seed_relations
    report = _seed("beyond-deepseek-report")
    assert (report, "publishedBy", _seed("digichina")) in found
    assert (report, "publishedBy", _seed("hai")) in found
    assert {(_seed("digichina"), "collaboratesWith", _seed("hai")), (_seed("hai"), "collaboratesWith",
                                                                        _seed("digichina"))} & found


def test_seed_relations_are_typed_exact_and_between_document_entities(
    seed_relations: tuple[set[Triple], list[Extraction]],
) -> None:
    _, extractions = seed_relations
    for ex in extractions:
        types = {e.id: e.type for e in ex.entities}
        assert ex.relations
        for rel in ex.relations:
            assert rel.subject in types and rel.object in types
            assert rel.evidence.text == ex.document.text[rel.evidence.start : rel.evidence.end]
            assert rel.rule and 0 < rel.confidence <= 1
