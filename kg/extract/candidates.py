"""The ``kg_entity_candidates`` spaCy component: typed, linked candidate spans for every entity mention.

It runs after the seed EntityRuler and the statistical NER and writes ``doc.spans["kg_entities"]``: one span
per mention, non-overlapping, with

* ``span.label_`` — the ontology class (``"Lab"``, ``"Country"`` ...),
* ``span.kb_id_`` — the link key (``"seed:deepseek"``, ``"name:Japan"``, ``""``; see :mod:`kg.extract.linking`),
* ``span.id_`` — the rule that found and typed it (``"seed"``, ``"model-version"``, ``"shape"``, ``"ner"`` ...).

Document-level work (short forms, abbreviations, reports, IRIs) happens later in :mod:`kg.extract.entities`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token

from kg.extract.annotations import annotated, token_texts
from kg.extract.described import find_described
from kg.extract.lexicon import EntityLexicon, load_lexicon
from kg.extract.linking import ORG_TYPES, PLACE_TYPES, SeedIndex, name_key, normalize, seed_key
from kg.extract.metonyms import read_metonyms
from kg.extract.org_context import OrgContextFinder
from kg.extract.shapes import ModelFinder, ShapeFinder
from kg.extract.short_versions import find_short_versions
from kg.seed import SeedEntity, SeedKB

CANDIDATES = "kg_entities"
FACTORY = "kg_entity_candidates"
AMBIGUOUS = "ambiguous:"

# lower sorts first when two candidates of the same length overlap
PRIORITY = {
    "seed": 0, "model-version": 1, "shape": 2, "model-family": 2, "place": 3, "description": 3, "ner-head": 4,
    "ner-context": 5,
    "credit": 5, "ner": 6, "demonym": 7,
}
STATISTICAL = frozenset({"ner", "ner-head", "ner-context", "credit"})
HYPHENS = frozenset({"-", "\u2010", "\u2011"})
_PRODUCT_CODE = re.compile(r"^[A-Z]{1,3}\d{2,4}[A-Za-z]?$")
POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
MODEL_NOUNS = frozenset({"model", "models", "chatbot", "chatbots", "llm", "llms"})
BULLETS = frozenset({"-", "*", "•", "–", "—", "·"})
NER_KEPT = frozenset({"ORG", "PERSON", "GPE", "LOC", "PRODUCT", "WORK_OF_ART", "LAW"})


@dataclass(frozen=True)
class Candidate:
    start: int  # token indices, end exclusive
    end: int
    type: str
    rule: str
    key: str


def line_initial(doc: Doc, i: int) -> bool:
    """Whether token ``i`` starts a line (or a bullet item)."""
    if i == 0:
        return True
    prev = doc[i - 1]
    if "\n" in prev.text or "\n" in prev.whitespace_:
        return True
    return prev.text in BULLETS and line_initial(doc, i - 1)


def _dictionary(nlp: Language) -> frozenset[str]:
    """Common English words (the lemmatizer's word lists), to spot words capitalised only by position."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return frozenset()
    table = lookups.get_table("lemma_index")
    words: set[str] = set()
    for pos in ("noun", "verb", "adj", "adv"):
        if pos in table:
            words.update(table[pos])
    return frozenset(words)


class EntityCandidates:
    """See the module docstring. Call :meth:`use_seed` once before running the pipeline."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.lexicon: EntityLexicon = load_lexicon()
        self.dictionary = _dictionary(nlp)
        self.index: SeedIndex | None = None
        self.models: ModelFinder | None = None
        self.shapes: ShapeFinder | None = None
        self.org_contexts: OrgContextFinder | None = None
        self.model_labs: dict[str, str] = {}
        self.demonym_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.family_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.family_keys: dict[str, str] = {}
        self.make_doc = nlp.make_doc

    def use_seed(self, seed: SeedKB) -> None:
        index = SeedIndex(seed, self.lexicon)
        self.index = index
        self.models = ModelFinder(index, self.lexicon)
        self.shapes = ShapeFinder(index, self.lexicon)
        self.org_contexts = OrgContextFinder(index, self.lexicon, self.dictionary)
        self.model_labs = {
            seed_key(ent): seed_key(lab)
            for ent in seed.entities if ent.type == "Model"
            for iri in ent.facts_for("developedBy")[:1] if (lab := seed.get(iri)) is not None
            and (base := index.model_bases.get(lab.label.casefold())) is not None and base.letters
        }
        self.demonym_matcher = PhraseMatcher(self.vocab, attr="ORTH")
        for dem, key in sorted(index.demonyms.items()):
            self.demonym_matcher.add(key, [self.make_doc(dem)])
        self.family_matcher = PhraseMatcher(self.vocab, attr="ORTH")
        for fam in self.lexicon.families:
            if fam.standalone and not index.lookup(fam.name):
                self.family_matcher.add(name_key(fam.name), [self.make_doc(a) for a in (fam.name, *fam.aliases)])

    # ------------------------------------------------------------------ component
    def __call__(self, doc: Doc) -> Doc:
        if self.index is None or self.models is None or self.shapes is None:
            raise RuntimeError(f"{self.name}: call use_seed(seed) before running the pipeline (kg.nlp.load_nlp does)")
        found: list[Candidate] = []
        found.extend(self._seed_ents(doc))
        found.extend(self._models(doc))
        found.extend(self._shapes(doc, token_texts(doc)))
        for match_id, start, end in self.family_matcher(doc):
            found.append(Candidate(start, end, "Model", "model-family", self.vocab.strings[match_id]))
        found.extend(self._after_context_nouns(doc, found))
        found.extend(self._org_contexts(doc))
        found.extend(self._described(doc))
        mid_caps: list[set[str]] = []  # computed on first use
        for ent in doc.ents:
            if ent.ent_id_ or ent.label_ not in NER_KEPT:
                continue
            for start, end in self._pieces(ent):
                cand = self._classify(doc, start, end, ent.label_, mid_caps)
                if cand is not None:
                    found.append(cand)
        found = [c for c in found if c.type == "Policy" or not self._other_sense(doc, c.end)]
        chosen = self._short_versions(doc, self._metonyms(doc, _select(found)))
        taken = [False] * len(doc)
        for c in chosen:
            for i in range(c.start, c.end):
                taken[i] = True
        languages = {i for e in doc.ents if e.label_ == "LANGUAGE" for i in range(e.start, e.end)}
        for match_id, start, end in self.demonym_matcher(doc):
            if not any(taken[start:end]) and not self._language(doc, start, end, languages, match_id):
                key = self.vocab.strings[match_id]
                target = self.index.target(key)
                chosen.append(Candidate(start, end, target.type if target else "Country", "demonym", key))
                for i in range(start, end):
                    taken[i] = True
        chosen.sort(key=lambda c: (c.start, c.end))
        doc.spans[CANDIDATES] = [
            Span(doc, c.start, c.end, label=c.type, kb_id=c.key, span_id=c.rule) for c in chosen
        ]
        return doc

    def _short_versions(self, doc: Doc, chosen: list[Candidate]) -> list[Candidate]:
        """"R1-0528", "DeepSeek-R1, R1-0528 and V3.1": versions written without the lab's name
        (:mod:`kg.extract.short_versions`)."""
        assert self.index is not None
        models = sorted(
            (c.start, c.end, c.key) for c in chosen if c.type == "Model" and c.rule == "seed" and "|" not in c.key
        )
        if not models:
            return chosen
        found = find_short_versions(doc, token_texts(doc), self.index, models, self.model_labs)
        if not found:
            return chosen
        replaced = {v.replaces for v in found if v.replaces >= 0}
        kept = [c for c in chosen if not (c.type == "Model" and c.start in replaced)]
        covered = {i for c in kept for i in range(c.start, c.end)}
        for v in found:
            if not any(i in covered for i in range(v.start, v.end)):
                kept.append(Candidate(v.start, v.end, "Model", "model-short", v.key))
                covered.update(range(v.start, v.end))
        return kept

    def _other_sense(self, doc: Doc, end: int) -> bool:
        """A name followed by a sense word is used in another sense: "MIT licence", "an MIT-style licence"."""
        lex = self.lexicon
        if end >= len(doc):
            return False
        if doc[end].lower_ in lex.sense_words:
            return True
        return (
            end + 2 < len(doc) and doc[end].text in HYPHENS and doc[end + 1].lower_ in lex.sense_compounds
            and doc[end + 2].lower_ in lex.sense_words
        )

    def _language(self, doc: Doc, start: int, end: int, languages: set[int], match_id: int) -> bool:
        """A country's demonym naming a language: "in Chinese and English", "Chinese-language prompts", "Chinese
        text", "languages such as Indonesian, Thai and Malay" (a region's never does: "Southeast Asian
        languages" names the region)."""
        lex = self.lexicon
        assert self.index is not None
        target = self.index.target(self.vocab.strings[match_id])
        if target is None or target.type != "Country":
            return False
        nxt = doc[end] if end < len(doc) else None
        if nxt is not None and nxt.text in HYPHENS and end + 1 < len(doc):
            nxt = doc[end + 1]
        if nxt is not None and nxt.lower_ in lex.language_nouns:
            return True
        after = doc[end] if end < len(doc) else None
        noun_after = after is not None and (after.tag_.startswith("NN") or after.pos_ in ("NOUN", "PROPN"))
        if noun_after:
            return False
        before = doc[start - 1].lower_ if start > 0 else ""
        if start in languages or before in lex.language_preps:
            return True
        j = start - 1
        while j >= 0 and start - j <= 12 and (doc[j].lower_ in lex.language_list_words or doc[j].text in
                                              self.index.demonyms):
            j -= 1
        return j >= 0 and j < start - 1 and doc[j].lower_ in lex.language_nouns

    def _metonyms(self, doc: Doc, chosen: list[Candidate]) -> list[Candidate]:
        """One-token capitals read as their country or their city (:mod:`kg.extract.metonyms`), replacing
        whatever candidate the token had."""
        assert self.index is not None
        covered = {i for c in chosen if c.end - c.start > 1 for i in range(c.start, c.end)}
        readings = read_metonyms(doc, token_texts(doc), self.lexicon, self.index, covered, line_initial)
        if not readings:
            return chosen
        kept = [c for c in chosen if not (c.end - c.start == 1 and c.start in readings)]
        for i, reading in sorted(readings.items()):
            if reading is not None:
                kept.append(Candidate(i, i + 1, reading[0], "place", reading[1]))
        return kept

    # ------------------------------------------------------------------ sources
    def _seed_ents(self, doc: Doc) -> list[Candidate]:
        assert self.index is not None
        out = []
        for ent in doc.ents:
            ent_id = ent.ent_id_
            if not ent_id:
                continue
            if ent_id.startswith(AMBIGUOUS):
                options = ent_id[len(AMBIGUOUS) :].split("|")
                first = self._disambiguate(doc, ent, options)
                # "chosen|other|...": the document-level linker may still pick another by what else it names
                key = "|".join([first, *sorted(o for o in options if o != first)])
            else:
                key = ent_id
            target = self.index.target(key.split("|")[0])
            if target is None:
                continue
            if not any(c.isupper() for c in ent.text) and any(c.isupper() for c in target.name):
                continue  # "open ai" in running text is not OpenAI
            out.append(Candidate(ent.start, ent.end, target.type, "seed", key))
        return out

    def _disambiguate(self, doc: Doc, ent: Span, keys: list[str]) -> str:
        """An alias several seed entities share: a model next to "model(s)", else the organisation, else first."""
        assert self.index is not None
        targets = [t for k in sorted(keys) if (t := self.index.target(k)) is not None]
        nxt = doc[ent.end].lower_ if ent.end < len(doc) else ""
        for t in targets:
            if t.type == "Model" and nxt in MODEL_NOUNS:
                return t.key
        for t in targets:
            if t.type in ORG_TYPES:
                return t.key
        return targets[0].key if targets else ""

    def _models(self, doc: Doc) -> list[Candidate]:
        assert self.index is not None and self.models is not None
        out = []
        for m in self.models.find(doc.text):
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            seeds = [e for e in self.index.lookup(span.text) if e.type == "Model"]
            if seeds:
                out.append(Candidate(span.start, span.end, "Model", "seed", seed_key(seeds[0])))
            else:
                out.append(Candidate(span.start, span.end, "Model", "model-version", m.family))
        return out

    def _shapes(self, doc: Doc, texts: list[str]) -> list[Candidate]:
        assert self.index is not None and self.shapes is not None
        out = []
        for s in self.shapes.find(doc, texts):
            seeds = self.index.lookup(doc[s.start : s.end].text)
            if seeds:
                out.append(Candidate(s.start, s.end, seeds[0].type, "seed", seed_key(seeds[0])))
            else:
                out.append(Candidate(s.start, s.end, s.type, "shape", ""))
        return out

    def _described(self, doc: Doc) -> list[Candidate]:
        """Policies named by description ("export restrictions on advanced AI chips"): :mod:`kg.extract.described`."""
        assert self.index is not None
        out = []
        for d in find_described(token_texts(doc), self.lexicon):
            seeds = [e for e in self.index.lookup(d.target) if e.type == "Policy"]
            if seeds:
                out.append(Candidate(d.start, d.end, "Policy", "description", seed_key(seeds[0])))
        return out

    def _org_contexts(self, doc: Doc) -> list[Candidate]:
        """Unknown organisations by context ("an analyst at Northbridge Insights", "ZhenFund, an early
        investor"); see :mod:`kg.extract.org_context`."""
        assert self.org_contexts is not None
        persons = {i for e in doc.ents if e.label_ == "PERSON" for i in range(e.start, e.end)}
        return [
            Candidate(o.start, o.end, self._ai_lab(doc, doc[o.noun], o.type) if o.noun >= 0 else o.type,
                      "ner-context", "")
            for o in self.org_contexts.find(doc, token_texts(doc), persons)
        ]

    def _after_context_nouns(self, doc: Doc, found: list[Candidate]) -> list[Candidate]:
        """"AI startup Zhipu", "chipmaker SMIC": proper nouns right after a typing noun are a name even when
        the NER missed them (needs tags; at most three words; never a date, place or demonym)."""
        if not annotated(doc).tagged:
            return []
        lex = self.lexicon
        assert self.index is not None
        texts = token_texts(doc)
        taken = {i for c in found for i in range(c.start, c.end)} | {i for e in doc.ents for i in range(e.start, e.end)}
        out = []
        for i, lower in enumerate(t.lower() for t in texts):
            if lower not in lex.context_detection_nouns or i + 1 >= len(doc):
                continue
            end = i + 1
            while end < len(doc) and end <= i + 3 and doc[end].tag_ == "NNP" and end not in taken:
                end += 1
            if end == i + 1 or (end < len(doc) and doc[end].tag_ in ("NNP", "NNPS", "POS") and doc[end].text not in
                                POSSESSIVES):
                continue
            name = doc[i + 1 : end]
            if any(t.lower_ in lex.calendar_words or t.lower_ in lex.generic_words for t in name):
                continue
            if self.index.place(name.text) or name.text in self.index.demonyms or not _capitalised(name[0]):
                continue
            type_name = lex.context_nouns.get(lower, "Company")
            out.append(Candidate(i + 1, end, self._ai_lab(doc, doc[i], type_name), "ner-context", ""))
        return out

    # ------------------------------------------------------------------ statistical NER
    def _pieces(self, ent: Span) -> list[tuple[int, int]]:
        """An NER span cut at line breaks and possessives ("Alibaba's Qwen"), trimmed to its name."""
        doc = ent.doc
        cuts: list[tuple[int, int]] = []
        cur = ent.start
        for tok in ent:
            if (tok.is_space and "\n" in tok.text) or (tok.text in POSSESSIVES and tok.i > ent.start):
                cuts.append((cur, tok.i))
                cur = tok.i + 1
            elif "\n" in tok.whitespace_:
                cuts.append((cur, tok.i + 1))
                cur = tok.i + 1
        cuts.append((cur, ent.end))
        out = []
        for start, end in cuts:
            trimmed = self._trim(doc, start, end, ent.label_)
            if trimmed is not None:
                out.append(trimmed)
        return out

    def _trim(self, doc: Doc, start: int, end: int, label: str) -> tuple[int, int] | None:
        lex = self.lexicon
        person = label == "PERSON"
        while start < end and (
            doc[start].is_punct or doc[start].is_space or doc[start].lower_ in ("the", "a", "an")
            or (person and doc[start].lower_ in lex.person_titles)
        ):
            start += 1
        while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space or doc[end - 1].text in POSSESSIVES):
            if doc[end - 1].text.endswith(".") and len(doc[end - 1].text) > 1:
                break
            end -= 1
        if start >= end:
            return None
        # lower-case content words: keep only a capitalised run that ends the span ("Hangzhou-based DeepSeek")
        run_start = start
        lower_seen = False
        for i in range(start, end):
            tok = doc[i]
            if _capitalised(tok) or tok.is_punct or tok.lower_ in lex.connectors:
                continue
            lower_seen = True
            run_start = i + 1
        if lower_seen:
            start = run_start
            while start < end and (doc[start].is_punct or doc[start].lower_ in lex.connectors):
                start += 1
        if label == "ORG" and end - start > 1 and _PRODUCT_CODE.match(doc[end - 1].text):
            end -= 1  # "Nvidia H800": the company, not its chip
        if start >= end or not _capitalised(doc[start]) or not _capitalised(doc[end - 1]):
            return None
        if _cuts_compound(doc, start, end):
            return None
        return start, end

    def _mid_sentence_capitals(self, doc: Doc) -> set[str]:
        """Words written with a capital somewhere they are not first in a sentence or line (names, then)."""
        sents = annotated(doc).sentenced
        return {
            t.text
            for t in doc
            if t.text[:1].isupper() and not (sents and t.is_sent_start) and not line_initial(doc, t.i)
        }

    def _classify(self, doc: Doc, start: int, end: int, label: str, mid_caps: list[set[str]]) -> Candidate | None:
        assert self.index is not None
        lex = self.lexicon
        span = doc[start:end]
        text = span.text
        seeds = self.index.lookup(text)
        if seeds:
            ent = _compatible(seeds, label)
            return Candidate(start, end, ent.type, "seed", seed_key(ent))
        norm = normalize(text)
        if not any(c.isalpha() for c in text) or norm in lex.stop_names or norm in lex.pronouns:
            return None
        words = [t for t in span if not t.is_punct]
        if all(t.lower_ in lex.generic_words or t.is_stop or t.lower_ in lex.connectors for t in words):
            return None
        if len(words) == 1 and self._by_position(doc, words[0], mid_caps):
            return None
        context = self._context_type(doc, start, end)
        if context is not None and label != "WORK_OF_ART":
            return Candidate(start, end, context, "ner-context", "")
        key = self.index.place(text)
        if key is not None and label in ("ORG", "GPE", "LOC", "NORP"):
            target = self.index.target(key)
            return Candidate(start, end, target.type if target else "Place", "place", key)
        if len(words) == 1 and annotated(doc).tagged and words[0].tag_ in ("VBN", "VBD", "VBG", "JJ", "RB"):
            return None  # "Verified", "Updated": not names
        based = start >= 2 and doc[start - 1].lower_ == "based" and doc[start - 2].text == "-"
        if based and label in ("GPE", "PERSON"):
            return Candidate(start, end, "Company", "ner", "")  # "Hangzhou-based X": an organisation, type unknown
        if label in ("GPE", "LOC") and key is None and self._stake_in(doc, start):
            return Candidate(start, end, lex.org_default_type, "ner-context", "")  # "an investor in Manus"
        if label in ("GPE", "LOC"):
            if key is not None:
                target = self.index.target(key)
                return Candidate(start, end, target.type if target else "Place", "place", key)
            return Candidate(start, end, "City", "ner", "") if label == "GPE" and self._city_like(doc, span) else None
        if label == "PERSON":
            head_type = self._head_type(span)
            if head_type is not None and head_type != "Person":
                return Candidate(start, end, head_type, "ner-head", "")
            if any(c.isdigit() for c in text) or len(words) > 5 or any(_camel(t.text) for t in words):
                return None
            if len(words) == 1 and not self._speaker_like(doc, start, end):
                return None  # a lone "Arena" or "Kimi"; a real surname is found as a short form of the full name
            return Candidate(start, end, "Person", "ner", "")
        if label == "ORG":
            if any(c.isdigit() for c in text) and self.index.family_of(text):
                return None  # a model name the model finder rejected
            following = doc[end : end + 2]
            if any(t.lower_ in lex.product_nouns for t in following if not t.is_punct):
                return None  # "Ascend chips", "Ascend 910C processors": a product line
            if len(words) == 1 and end < len(doc) and doc[end].lower_ in lex.modifier_nouns:
                return None  # "the Trump administration"
            head_type = self._head_type(span)
            if head_type is not None:
                return Candidate(start, end, head_type, "ner-head", "")
            if _credit(doc, start, end):
                return Candidate(start, end, lex.credit_type, "credit", "")
            return Candidate(start, end, "Company", "ner", "")
        if label == "PRODUCT":
            nxt = doc[end].lower_ if end < len(doc) else ""
            if any(c.isdigit() for c in text) or nxt in MODEL_NOUNS:
                return Candidate(start, end, "Model", "ner", "")
            return None
        if label == "WORK_OF_ART":
            last = words[-1].lower_
            if last in lex.report_nouns or last in ("index", "outlook"):
                return Candidate(start, end, "Report", "ner-head", "")
            return None
        if label == "LAW":
            head_type = self._head_type(span)
            return Candidate(start, end, "Policy", "ner-head", "") if head_type == "Policy" else None
        return None

    def _stake_in(self, doc: Doc, start: int) -> bool:
        """"an early investor in X", "a stake in X": what follows is an organisation."""
        return (
            start >= 2 and doc[start - 1].lower_ == "in" and doc[start - 2].lower_ in self.lexicon.org_stake_nouns
        )

    def _city_like(self, doc: Doc, span: Span) -> bool:
        """An unknown place is kept as a city only where the text uses it as one ("a developer in Nairobi",
        "Nairobi-based"), and never a CamelCase or ALL-CAPS word ("LinkedIn", a "WASHINGTON" dateline)."""
        if len(span) > 3 or any(_camel(t.text) or (t.text.isupper() and len(t.text) > 3) for t in span):
            return False
        before = doc[span.start - 1].lower_ if span.start > 0 else ""
        verb = doc[span.start - 2].lower_ if span.start > 1 else ""
        after = doc[span.end : span.end + 2]
        based = len(after) == 2 and after[0].text == "-" and after[1].lower_ == "based"
        if verb in self.lexicon.publication_verbs:
            return False  # "published in Nature"
        if before in ("or", "and") and span.start >= 2 and doc[span.start - 2].ent_type_ in ("GPE", "LOC"):
            first = span.start - 2  # "in Jakarta or Nairobi": coordinated with a place after a preposition
            while first > 0 and doc[first].ent_iob_ == "I":
                first -= 1
            return first > 0 and doc[first - 1].lower_ in self.lexicon.gpe_prepositions
        return before in self.lexicon.gpe_prepositions or based

    def _speaker_like(self, doc: Doc, start: int, end: int) -> bool:
        """A one-word person name with a title before it ("Dr Li") or a speech verb after it ("Li said")."""
        lex = self.lexicon
        if start > 0 and doc[start - 1].lower_ in lex.person_titles:
            return True
        return any(t.lower_ in lex.speech_verbs for t in doc[end : end + 3])

    def _by_position(self, doc: Doc, tok: Token, mid_caps: list[set[str]]) -> bool:
        """A common word capitalised only because it starts a sentence, line or bullet: the tagger calls it a
        common noun ("Innovation matters"), or it is a dictionary word labelling a line ("Weights: ...")."""
        at_line = line_initial(doc, tok.i)
        if not (at_line or (annotated(doc).sentenced and tok.is_sent_start)):
            return False
        if not mid_caps:
            mid_caps.append(self._mid_sentence_capitals(doc))
        if tok.text in mid_caps[0]:
            return False
        if annotated(doc).tagged and tok.tag_ not in ("NNP", "NNPS"):
            return True
        if tok.tag_ == "NNPS" and (tok.lower_ in self.dictionary or tok.lower_.rstrip("s") in self.dictionary):
            return True  # "Evaluations by the US government ..."
        nxt = doc[tok.i + 1].text if tok.i + 1 < len(doc) else ""
        return at_line and nxt == ":" and tok.lower_ in self.dictionary

    def _head_type(self, span: Span) -> str | None:
        lex = self.lexicon
        for phrase, type_name in lex.name_contains.items():
            if phrase in span.text:
                return type_name
        last = span[-1].text
        found = lex.name_heads.get(last) if len(span) > 1 else None  # a bare head word is no name ("Arena")
        if found is None and len(span) == 1:
            found = next((t for end, t in lex.name_endings.items() if last.endswith(end) and last != end), None)
        return found

    def _context_type(self, doc: Doc, start: int, end: int) -> str | None:
        """"startup Zhipu", "AI firm DeepSeek", "Zhipu, a Beijing-based AI lab," (apposition)."""
        lex = self.lexicon
        tagged = annotated(doc).tagged
        j = start - 1
        while j >= 0 and j >= start - 3:
            tok = doc[j]
            if tok.is_punct or tok.is_space:
                break
            found = lex.context_nouns.get(tok.lower_) or lex.context_nouns.get(tok.lemma_.lower())
            if found:  # the tagger sometimes calls "startup" a verb: the word itself is the evidence
                return self._ai_lab(doc, tok, found)
            if tagged and not tok.tag_.startswith(("NN", "JJ")):
                break
            if not tagged:
                break
            j -= 1
        if annotated(doc).parsed:
            root = doc[start:end].root
            for child in root.children:
                if child.dep_ == "appos" and child.i >= end:
                    found = lex.context_nouns.get(child.lemma_.lower()) or lex.context_nouns.get(child.lower_)
                    if found:
                        return self._ai_lab(doc, child, found)
        return None

    def _ai_lab(self, doc: Doc, noun: Token, found: str) -> str:
        """"AI startup" / "AI company" is a lab; a plain startup is a company; a developer of agents or apps
        (not of models) is a company."""
        nouns = self.lexicon.ai_nouns
        if found == "Lab" and noun.i + 1 < len(doc) and doc[noun.i + 1].lower_ == "of":
            for tok in doc[noun.i + 2 : noun.i + 8]:
                if tok.is_punct and tok.text not in HYPHENS:
                    break
                if tok.lower_ in self.lexicon.non_model_products:
                    return "Company"
        if found != "Company" or (noun.lower_ not in nouns and noun.lemma_.lower() not in nouns):
            return found
        window = doc[max(0, noun.i - 3) : noun.i]
        if any(t.lower_ in self.lexicon.ai_modifiers for t in window):
            return "Lab"
        return found


def _capitalised(tok: Token) -> bool:
    text = tok.text
    return bool(text) and (text[0].isupper() or (text[0].isdigit() and any(c.isupper() for c in text)))


def _cuts_compound(doc: Doc, start: int, end: int) -> bool:
    """A span that stops inside a hyphenated word ("SEA" of "SEA-LION", "Open" of "Open-Source"); a lower-case
    rest is fine ("Hangzhou" of "Hangzhou-based")."""
    glued_after = end + 1 < len(doc) and doc[end].text in HYPHENS and not doc[end - 1].whitespace_
    if glued_after and not doc[end].whitespace_ and not doc[end + 1].text[:1].islower():
        return True
    if start >= 2 and doc[start - 1].text in HYPHENS and not doc[start - 1].whitespace_:
        return not doc[start - 2].whitespace_ and doc[start - 2].text[:1].isupper()
    return False


def _camel(text: str) -> bool:
    """"LinkedIn", "PaddlePaddle": a capital inside a word (not "McDonald", "O'Brien" or an acronym)."""
    if len(text) < 3 or text.isupper() or not text[0].isupper():
        return False
    inner = text[2:] if text.startswith(("Mc", "O'", "O’")) else text[1:]
    inner = inner[1:] if text.startswith("Mac") else inner
    return any(c.isupper() for c in inner) and "-" not in text


def _credit(doc: Doc, start: int, end: int) -> bool:
    """"... (South China Morning Post)" at the end of a paragraph: a credit line names an outlet."""
    if start == 0 or end >= len(doc) or doc[start - 1].text != "(" or doc[end].text != ")":
        return False
    after = end + 1
    return after >= len(doc) or "\n" in doc[end].whitespace_ or "\n" in doc[after].text


def _compatible(seeds: tuple[SeedEntity, ...], label: str) -> SeedEntity:
    """Among seed entities sharing a name, the one whose type fits the NER label."""
    wanted = {
        "ORG": ORG_TYPES, "PERSON": frozenset({"Person"}), "GPE": PLACE_TYPES, "LOC": PLACE_TYPES,
        "PRODUCT": frozenset({"Model"}), "WORK_OF_ART": frozenset({"Report"}), "LAW": frozenset({"Policy"}),
    }.get(label, frozenset())
    for ent in seeds:
        if ent.type in wanted:
            return ent
    return seeds[0]


def _select(found: list[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates. Rule-based ones (seed, model names, name shapes, known places) first, longest
    first, then by rule priority; then the statistical NER's where they do not overlap those (a long NER span
    such as "Allen Institute for AI and Mistral AI" loses to the two names the shape rules find in it)."""
    chosen: list[Candidate] = []
    taken: set[int] = set()
    order = sorted(found, key=lambda c: (-(c.end - c.start), PRIORITY.get(c.rule, 9), c.start, c.type))
    for strong in (True, False):
        for c in order:
            if (c.rule in STATISTICAL) == strong or any(i in taken for i in range(c.start, c.end)):
                continue
            chosen.append(c)
            taken.update(range(c.start, c.end))
    return chosen


@Language.factory(FACTORY)
def make_entity_candidates(nlp: Language, name: str) -> EntityCandidates:
    return EntityCandidates(nlp, name)


__all__ = ["AMBIGUOUS", "CANDIDATES", "FACTORY", "Candidate", "EntityCandidates", "line_initial"]
