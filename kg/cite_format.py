"""Render a :class:`kg.cite.CiteAnswer` as text, JSON, Markdown, CSL-JSON or BibTeX.

Every renderer prints each quote exactly as ``oa:exact`` holds it (the slice of the document text), escaped only
as its format requires (JSON string escapes, Markdown backslash escapes, LaTeX escapes in BibTeX).
Output is deterministic: same build and query, same bytes.

JSON schema (``schema_version`` 1; fields are only ever added):

```
{"schema_version": 1, "query": str, "mode": "claim"|"cluster"|"entity"|"text",
 "entities": [{"iri", "name", "type"}], "min_sources": int, "total_matches": int, "suggestions": [str],
 "results": [{"rank": int, "score": float, "cluster": IRI|null, "claim": str, "modality": str,
              "sources": int, "independent_sources": int, "matched_claim": IRI,
              "contradicted_by": [{"cluster": IRI, "claim": str}],
              "supports": [{"claim": IRI, "text": str, "modality": str, "quotation": bool, "cue": str|null,
                            "attributed_to": {"iri", "name", "type"}|null, "reported_by": {...}|null,
                            "document": {"iri", "id", "title", "publisher", "date", "url", "path", "format",
                                         "type", "authors": [str], "citation_key": str},
                            "quote": {"exact", "prefix", "suffix", "start", "end", "page"}|null,
                            "independent": bool, "counted_with": IRI|null, "counted_with_rule": str|null}]}]}
```
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from kg.cite import CiteAnswer, CiteResult, Support
from kg.cite_store import Agent, DocumentInfo, Quote, is_news, is_report
from kg.claim_text import load_lexicon
from kg.iris import short_hash

SCHEMA_VERSION = 1
FORMATS = ("text", "json", "markdown", "csl-json", "bibtex")
_FOLD_WORDS = {
    "near-duplicate": "syndicated copy of",
    "same-title": "same story as",
    "repeats-outlet": "repeats",
    "same-publisher": "same publisher as",
}


def render(answer: CiteAnswer, fmt: str) -> str:
    renderers: dict[str, Callable[[CiteAnswer], str]] = {
        "text": render_text,
        "json": render_json,
        "markdown": render_markdown,
        "csl-json": render_csl_json,
        "bibtex": render_bibtex,
    }
    return renderers[fmt](answer)


# --- shared helpers -----------------------------------------------------------------------------------------


def csl_type(doc: DocumentInfo) -> str:
    if is_news(doc):
        return "article-newspaper"
    if is_report(doc):
        return "report"
    return "webpage" if doc.url else "document"


def citation_key(doc: DocumentInfo) -> str:
    """Stable and readable: first author's family name (else the publisher), year, first title word, and a short
    hash of the document IRI so two documents never share a key: ``hartmann2025chinese-3f2a``."""
    who = doc.authors[0].split()[-1] if doc.authors else (doc.publisher or doc.id.rsplit("/", 1)[-1])
    year = (doc.date or "")[:4] if re.match(r"^\d{4}", doc.date or "") else "nd"
    stop = load_lexicon().stopwords
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", _fold(doc.title or "")) if len(w) > 2
             and w.lower() not in stop]
    name = re.sub(r"[^a-z0-9]", "", _fold(who).lower())[:24] or "anon"
    return f"{name}{year}{words[0] if words else ''}-{short_hash(doc.iri, length=4)}"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def context(quote: Quote, text: str) -> tuple[str, str]:
    """A few words either side of the quote: prefix/suffix cut back to whole words, whitespace folded, and "…"
    where the document goes on."""
    prefix, suffix = quote.prefix, quote.suffix
    if quote.start > len(prefix) and " " in prefix:  # the stored prefix was truncated mid-word
        prefix = prefix[prefix.index(" ") + 1:]
    if quote.end + len(suffix) < len(text) and " " in suffix:
        suffix = suffix[: suffix.rindex(" ")]
    before = ("…" if quote.start > len(prefix) else "") + re.sub(r"\s+", " ", prefix)
    after = re.sub(r"\s+", " ", suffix) + ("…" if quote.end + len(suffix) < len(text) else "")
    return before, after


def _where(quote: Quote | None) -> str:
    if quote is None:
        return ""
    page = f", p. {quote.page}" if quote.page else ""
    return f"chars {quote.start}–{quote.end}{page}"


def _agent_text(agent: Agent | None) -> str:
    if agent is None:
        return ""
    return f"{agent.name} ({agent.type})" if agent.type else agent.name


def _documents(answer: CiteAnswer) -> list[tuple[DocumentInfo, list[Support], list[CiteResult]]]:
    """Every source document of the answer once, with the supports it gives, sorted by citation key."""
    found: dict[str, tuple[DocumentInfo, list[Support], list[CiteResult]]] = {}
    for result in answer.results:
        for sup in result.supports:
            doc = sup.claim.document
            entry = found.setdefault(doc.iri, (doc, [], []))
            entry[1].append(sup)
            if result not in entry[2]:
                entry[2].append(result)
    return sorted(found.values(), key=lambda e: citation_key(e[0]))


def _support_number(result: CiteResult) -> dict[str, int]:
    return {sup.claim.document.iri: n for n, sup in enumerate(result.supports, 1)}


# --- text ---------------------------------------------------------------------------------------------------


def render_text(answer: CiteAnswer) -> str:
    lines = [_heading(answer), ""]
    for result in answer.results:
        lines.extend(_text_result(result))
    return "\n".join(lines).rstrip() + "\n"


def _heading(answer: CiteAnswer) -> str:
    shown = len(answer.results)
    more = f" of {answer.total_matches}" if answer.total_matches > shown else ""
    what = f"{shown}{more} result{'s' if answer.total_matches != 1 else ''}"
    read = ""
    if answer.entities:
        read = " · read as " + ", ".join(_agent_text(e) for e in answer.entities)
    floor = f" · at least {answer.min_sources} sources" if answer.min_sources > 1 else ""
    return f'kg cite "{answer.query}": {what}{read}{floor}'


def _text_result(result: CiteResult) -> Iterator[str]:
    yield f"{result.rank}. {result.label}"
    noun = "source" if result.sources == 1 else "sources"
    where = f" · {result.cluster}" if result.cluster else ""
    yield f"   {result.modality} · {result.sources} {noun}, {result.independent_sources} independent{where}"
    for other, label in result.contradicted_by:
        yield f"   contradicted by: {label} · {other}"
    numbers = _support_number(result)
    for n, sup in enumerate(result.supports, 1):
        claim, doc = sup.claim, sup.claim.document
        published = ", ".join(x for x in (doc.publisher, doc.date) if x)
        yield ""
        yield f"   [{n}] {doc.title or doc.id}" + (f" — {published}" if published else "")
        location = ", ".join(x for x in (doc.path or doc.id, _where(claim.quote)) if x)
        yield f"       {doc.url or '(no URL)'} ({location})"
        if claim.quote is not None:
            before, after = context(claim.quote, doc.text)
            yield f"       {before}«{claim.quote.exact}»{after}"
        maker = _agent_text(claim.attributed_to) if claim.attributed_to else f"its publisher ({doc.publisher})" \
            if doc.publisher else "the document"
        chain = [f"made by {maker}",
                 f'cue "{claim.cue}"' if claim.cue else "",
                 f"reported by {_agent_text(claim.reported_by)}" if claim.reported_by else "",
                 "direct quote" if claim.quotation else "", claim.modality]
        yield "       " + " · ".join(x for x in chain if x)
        if sup.counted_with:
            yield f"       not independent: {_FOLD_WORDS.get(sup.fold_rule or '', 'counted with')} " \
                  f"[{numbers.get(sup.counted_with, '?')}]"
    yield ""


# --- JSON ---------------------------------------------------------------------------------------------------


def answer_to_dict(answer: CiteAnswer) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "query": answer.query,
        "mode": answer.mode,
        "entities": [_agent_dict(e) for e in answer.entities],
        "min_sources": answer.min_sources,
        "total_matches": answer.total_matches,
        "suggestions": list(answer.suggestions),
        "results": [_result_dict(r) for r in answer.results],
    }


def _agent_dict(agent: Agent | None) -> dict[str, Any] | None:
    return None if agent is None else {"iri": agent.iri, "name": agent.name, "type": agent.type}


def _result_dict(result: CiteResult) -> dict[str, Any]:
    return {
        "rank": result.rank,
        "score": round(result.score, 4),
        "cluster": result.cluster,
        "claim": result.label,
        "modality": result.modality,
        "sources": result.sources,
        "independent_sources": result.independent_sources,
        "matched_claim": result.matched_claim,
        "contradicted_by": [{"cluster": c, "claim": label} for c, label in result.contradicted_by],
        "supports": [_support_dict(s) for s in result.supports],
    }


def _support_dict(sup: Support) -> dict[str, Any]:
    claim, doc, quote = sup.claim, sup.claim.document, sup.claim.quote
    return {
        "claim": claim.iri,
        "text": claim.text,
        "modality": claim.modality,
        "quotation": claim.quotation,
        "cue": claim.cue,
        "attributed_to": _agent_dict(claim.attributed_to),
        "reported_by": _agent_dict(claim.reported_by),
        "document": {
            "iri": doc.iri, "id": doc.id, "title": doc.title, "publisher": doc.publisher, "date": doc.date,
            "url": doc.url, "path": doc.path, "format": doc.format, "type": csl_type(doc),
            "authors": list(doc.authors), "citation_key": citation_key(doc),
        },
        "quote": None if quote is None else {
            "exact": quote.exact, "prefix": quote.prefix, "suffix": quote.suffix,
            "start": quote.start, "end": quote.end, "page": quote.page,
        },
        "independent": sup.counted_with is None,
        "counted_with": sup.counted_with,
        "counted_with_rule": sup.fold_rule,
    }


def render_json(answer: CiteAnswer) -> str:
    return json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=2) + "\n"


# --- Markdown -----------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md_escape(text: str) -> str:
    """CommonMark backslash escapes for the characters that could start markup inside a line."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def render_markdown(answer: CiteAnswer) -> str:
    out = [f"## Sources for “{md_escape(answer.query)}”", ""]
    for result in answer.results:
        noun = "source" if result.sources == 1 else "sources"
        out.append(f"### {result.rank}. {md_escape(result.label)}")
        out.append("")
        out.append(f"*{result.modality} · {result.sources} {noun}, {result.independent_sources} independent*")
        out.append("")
        for _other, label in result.contradicted_by:
            out.append(f"**Contradicted by:** {md_escape(label)}")
            out.append("")
        numbers = _support_number(result)
        for n, sup in enumerate(result.supports, 1):
            claim, doc = sup.claim, sup.claim.document
            if claim.quote is not None:
                for line in claim.quote.exact.splitlines() or [""]:
                    out.append(f"> {md_escape(line)}")
                out.append(">")
            title = md_escape(doc.title or doc.id)
            link = f"[{title}](<{doc.url}>)" if doc.url else title
            bits = [f"{n}. {link}", md_escape(doc.publisher or ""), doc.date or "", _where(claim.quote)]
            chain = []
            if claim.attributed_to:
                chain.append(f"made by {md_escape(claim.attributed_to.name)}")
            if claim.reported_by:
                chain.append(f"reported by {md_escape(claim.reported_by.name)}")
            if sup.counted_with:
                chain.append(f"{_FOLD_WORDS.get(sup.fold_rule or '', 'counted with')} "
                             f"source {numbers.get(sup.counted_with, '?')}")
            tail = f" ({'; '.join(chain)})" if chain else ""
            out.append("> — " + ", ".join(b for b in bits if b) + tail)
            out.append("")
    if not answer.results:
        out.append("No matching claims.")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- CSL-JSON -----------------------------------------------------------------------------------------------


def _csl_names(authors: tuple[str, ...]) -> list[dict[str, str]]:
    names = []
    for author in authors:
        parts = author.split()
        names.append({"family": parts[-1], "given": " ".join(parts[:-1])} if len(parts) > 1 else {"literal": author})
    return names


def _date_parts(date: str | None) -> dict[str, list[list[int]]] | None:
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date or "")
    if not m:
        return None
    return {"date-parts": [[int(g) for g in m.groups() if g]]}


def _quote_line(sup: Support) -> str:
    quote = sup.claim.quote
    if quote is None:
        return sup.claim.text
    return f"“{quote.exact}” ({_where(quote)})"


def render_csl_json(answer: CiteAnswer) -> str:
    """One CSL item per source document; the quotes it supplies are in ``note`` and, structured, ``custom``."""
    items = []
    for doc, supports, _results in _documents(answer):
        item: dict[str, Any] = {"id": citation_key(doc), "type": csl_type(doc), "title": doc.title or doc.id}
        if doc.authors:
            item["author"] = _csl_names(doc.authors)
        issued = _date_parts(doc.date)
        if issued:
            item["issued"] = issued
        if doc.publisher:
            item["publisher"] = doc.publisher
            if csl_type(doc) == "article-newspaper":
                item["container-title"] = doc.publisher
        if doc.url:
            item["URL"] = doc.url
        item["note"] = "\n".join(_quote_line(s) for s in supports)
        item["custom"] = {
            "policy_kg_document": doc.iri,
            "quotes": [
                {"claim": s.claim.iri, "exact": s.claim.quote.exact, "start": s.claim.quote.start,
                 "end": s.claim.quote.end, "page": s.claim.quote.page}
                for s in supports if s.claim.quote is not None
            ],
        }
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# --- BibTeX -------------------------------------------------------------------------------------------------

_LATEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "%": r"\%", "#": r"\#",
          "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX))


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters; other Unicode stays as it is (biber and Zotero read UTF-8)."""
    return _LATEX_RE.sub(lambda m: _LATEX[m.group(0)], text)


def _url_field(url: str) -> str:
    # a URL is verbatim in biblatex; only braces (which would unbalance the field) are percent-encoded
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def render_bibtex(answer: CiteAnswer) -> str:
    """One entry per source document (@article for news, @techreport for reports, @misc otherwise)."""
    entries = []
    for doc, supports, _results in _documents(answer):
        kind = csl_type(doc)
        fields: list[tuple[str, str]] = []
        if doc.authors:
            fields.append(("author", " and ".join(
                latex_escape(f"{a.split()[-1]}, {' '.join(a.split()[:-1])}" if len(a.split()) > 1 else a)
                for a in doc.authors)))
        fields.append(("title", "{" + latex_escape(doc.title or doc.id) + "}"))
        if doc.publisher:
            field_name = {"article-newspaper": "journal", "report": "institution"}.get(kind, "publisher")
            fields.append((field_name, latex_escape(doc.publisher)))
        m = re.match(r"^(\d{4})(?:-(\d{2}))?", doc.date or "")
        if m:
            fields.append(("year", m.group(1)))
            if m.group(2):
                fields.append(("month", str(int(m.group(2)))))
            fields.append(("date", latex_escape((doc.date or "")[:10])))
        if doc.url:
            fields.append(("url", _url_field(doc.url)))
            if kind not in ("article-newspaper", "report"):
                fields.append(("howpublished", r"\url{" + _url_field(doc.url) + "}"))
        fields.append(("note", latex_escape("\n".join(_quote_line(s) for s in supports))))
        entry_type = {"article-newspaper": "article", "report": "techreport"}.get(kind, "misc")
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@{entry_type}{{{citation_key(doc)},\n{body}\n}}\n")
    return "\n".join(entries)
