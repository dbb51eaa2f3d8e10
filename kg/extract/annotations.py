"""Which annotations a Doc carries (tags, parse, sentences), computed once per Doc in one vectorised pass.

``Doc.has_annotation`` walks every token in Python on each call; the rules ask often, so the answer is
cached in ``doc.user_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.attrs import DEP, ORTH, SENT_START, TAG
from spacy.tokens import Doc

_KEY = "kg_annotations"
_TEXTS = "kg_token_texts"
VIEW_KEY = "kg_doc_view"  # kg.extract.docview.DocView
MENTIONS_KEY = "kg_mention_index"  # kg.extract.docview.mention_index


@dataclass(frozen=True)
class Annotations:
    tagged: bool  # part-of-speech tags (tag_, pos_)
    parsed: bool  # dependency parse (dep_, head)
    sentenced: bool  # sentence boundaries (a parser or a sentencizer)


def annotated(doc: Doc) -> Annotations:
    cached = doc.user_data.get(_KEY)
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == len(doc):
        found: Annotations = cached[1]
        return found
    if len(doc) == 0:
        result = Annotations(False, False, False)
    else:
        arr = doc.to_array([TAG, DEP, SENT_START])
        result = Annotations(bool(arr[:, 0].any()), bool(arr[:, 1].any()), bool(arr[1:, 2].any()))
    doc.user_data[_KEY] = (len(doc), result)
    return result


def token_texts(doc: Doc) -> list[str]:
    """The text of every token (one pass, cached like :func:`annotations`); treat the list as read-only."""
    cached = doc.user_data.get(_TEXTS)
    if isinstance(cached, list) and len(cached) == len(doc):
        return cached
    hashes = doc.to_array(ORTH).tolist()  # no Token object per token; each distinct string looked up once
    strings = doc.vocab.strings
    found = {h: strings[h] for h in set(hashes)}
    texts = [found[h] for h in hashes]
    doc.user_data[_TEXTS] = texts
    return texts


def forget(doc: Doc) -> None:
    """Drop the cached values (before ``Doc.from_docs``, which cannot merge them)."""
    for key in (_KEY, _TEXTS, VIEW_KEY, MENTIONS_KEY):
        doc.user_data.pop(key, None)


__all__ = ["MENTIONS_KEY", "VIEW_KEY", "Annotations", "annotated", "forget", "token_texts"]
