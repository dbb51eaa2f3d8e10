"""Who does what to whom around a verb: logical subject (agent), object (patient) and prepositional objects.

Pure functions over a spaCy parse; they know voice (passive, participles), relative clauses ("which was
fine-tuned from ..."), coordinated verbs sharing a subject ("Zhipu, which grew out of ... and is backed by
Tencent"), open complements ("continues to add"), and the small parser's habit of hanging a prepositional
phrase on the noun before it ("work on policy research at HAI").
"""

from __future__ import annotations

from spacy.tokens import Token

RELATIVE_PRONOUNS = frozenset({"which", "that", "who", "whom"})
CONTRASTIVE_PREPS = frozenset({"than", "instead", "unlike", "except", "without", "rather", "versus", "vs", "vs."})
SUBJECT_DEPS = ("nsubj", "nsubjpass")


def relative_antecedent(tok: Token) -> Token:
    """"which"/"that"/"who" -> the noun its relative clause modifies (else the token itself)."""
    if tok.lower_ not in RELATIVE_PRONOUNS:
        return tok
    cur = tok.head
    for _ in range(3):
        if cur.dep_ == "relcl":
            return cur.head
        if cur.head.i == cur.i:
            break
        cur = cur.head
    return tok


def is_passive(v: Token) -> bool:
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in v.children):
        return True
    if v.tag_ == "VBN" and v.dep_ in ("acl", "amod"):
        return True
    return v.tag_ == "VBN" and v.dep_ in ("acomp", "xcomp", "attr") and v.head.lemma_ == "be"


def grammatical_subjects(v: Token, depth: int = 0) -> list[Token]:
    """Subjects of ``v``; a coordinated or complement verb without one shares its head verb's."""
    found = [relative_antecedent(c) for c in v.children if c.dep_ in SUBJECT_DEPS]
    if found or depth > 4:
        return found
    if v.dep_ in ("conj", "xcomp") and v.head.i != v.i and v.head.pos_ in ("VERB", "AUX"):
        return grammatical_subjects(v.head, depth + 1)
    if v.tag_ == "VBN" and v.dep_ in ("acomp", "attr") and v.head.lemma_ == "be":
        return grammatical_subjects(v.head, depth + 1)
    return []


def agents(v: Token) -> list[Token]:
    """The doer: active subject, passive by-phrase, "Alibaba-backed" modifier, noun an -ing clause modifies."""
    if is_passive(v):
        by = [p for c in v.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
        if v.dep_ == "amod":
            by += [c for c in v.children if c.dep_ in ("npadvmod", "compound") and c.i < v.i]
        return by
    if v.dep_ == "acl" and v.tag_ == "VBG":
        return [v.head]
    return grammatical_subjects(v)


def patients(v: Token) -> list[Token]:
    """The thing acted on: active object, passive subject, the noun a participle modifies."""
    if is_passive(v):
        if v.dep_ in ("acl", "amod"):
            return [v.head]
        return grammatical_subjects(v)
    found = [relative_antecedent(c) for c in v.children if c.dep_ == "dobj"]
    named_subject = any(c.dep_ == "nsubj" and c.lower_ not in RELATIVE_PRONOUNS for c in v.children)
    if not found and v.dep_ == "relcl" and named_subject:
        found = [v.head]  # "the model DeepSeek released"
    return found


def prep_objects(v: Token, preps: frozenset[str], *, nested: bool = True) -> list[tuple[Token, Token]]:
    """(preposition, object) pairs on ``v`` for the given prepositions.

    "built on top of Qwen" gives Qwen; with ``nested``, a preposition the parser hung on the object of another
    ("work on policy research at HAI") counts too.
    """
    found = []
    for c in v.children:
        if nested and c.dep_ == "dobj":  # "built its newest model on Qwen": the parser hangs "on" on the object
            found += prep_objects(c, preps, nested=False)
        if c.dep_ not in ("prep", "agent", "dative") or c.lower_ in CONTRASTIVE_PREPS:
            continue
        if any(k.lower_ in CONTRASTIVE_PREPS for k in c.children if k.dep_ in ("advmod", "cc", "prep")) or any(
            c.doc[j].lower_ in CONTRASTIVE_PREPS | {"not"} for j in range(max(0, c.i - 2), c.i)
        ):
            continue  # "rather than on Llama", "not on Llama"
        for obj in c.children:
            if obj.dep_ != "pobj":
                continue
            if obj.lemma_ == "top":
                obj = next((p for o in obj.children if o.lower_ == "of" for p in o.children if p.dep_ == "pobj"), obj)
            if c.lower_ in preps:
                found.append((c, obj))
            elif nested:
                found += prep_objects(obj, preps, nested=False)
    return found


__all__ = [
    "RELATIVE_PRONOUNS",
    "agents",
    "grammatical_subjects",
    "is_passive",
    "patients",
    "prep_objects",
    "relative_antecedent",
]
