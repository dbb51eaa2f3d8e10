"""PDF (``.pdf``): text page by page through pypdf, with every character offset mapped to its page.

Untrusted PDFs are read under tight pypdf limits (decompressed stream size, decoding work, no external
JBIG2 decoder) and a page cap, so a stream that inflates without bound ends as a problem, not an exhausted
machine. Lines are re-flowed into paragraphs and running headers/footers (the same line on most pages) are
dropped, so sentences are not cut by layout.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pypdf
from pypdf.errors import LimitReachedError

from kg.ingest.common import Draft, Parsed, Source, clean_text, iso_date, one_line, sha256_hex

MAX_STREAM_BYTES = 16 * 1024 * 1024  # decompressed size of any one stream
_LIMITS: dict[str, object] = {
    "maximum_declared_stream_length": MAX_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_STREAM_BYTES,
    "jbig2_maximum_output_length": MAX_STREAM_BYTES,
    "lzw_maximum_output_length": MAX_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_STREAM_BYTES,
    "zlib_maximum_output_length": MAX_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_STREAM_BYTES,
    "image_maximum_buffer_size": MAX_STREAM_BYTES,
    "stream_decoding_work_maximum_length": 4 * MAX_STREAM_BYTES,
    "xfa_decoding_work_maximum_length": 4 * MAX_STREAM_BYTES,
    "jbig2dec_binary": None,
}
_END_OF_SENTENCE = re.compile(r"[.!?:;\"”’)\]]$")
_DIGITS = re.compile(r"\d+")


@contextmanager
def _limits() -> Iterator[None]:
    with pypdf.apply_configuration(pypdf.get_configuration().with_overwrites(**_LIMITS)):
        yield


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Header/footer lines: among the first/last two lines of a page, repeated (digits aside) on most pages."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = {_DIGITS.sub("#", ln) for ln in lines[:2] + lines[-2:]}
        counts.update(edge)
    return {key for key, n in counts.items() if n > len(pages) / 2}


_BULLET = re.compile(r"^(?:[-•*▪◦] |\(?\d{1,2}[.)] |\(?[a-z][.)] )")


def reflow(lines: list[str]) -> str:
    """Joins wrapped lines into paragraphs (blank line between paragraphs, list items one a line).

    A line ends its paragraph when it ends a sentence and is clearly shorter than a full line, or when it is
    short, unpunctuated and followed by a capital (a heading). A word broken by a hyphen keeps the hyphen
    (compounds such as "open-weight" are far more common than hyphenated syllables)."""
    if not lines:
        return ""
    full = sorted(len(ln) for ln in lines)[int(len(lines) * 0.9)]
    out: list[str] = [lines[0]]
    in_list = bool(_BULLET.match(lines[0]))
    for prev, line in itertools.pairwise(lines):
        bullet = bool(_BULLET.match(line))
        ends_sentence = bool(_END_OF_SENTENCE.search(prev))
        heading = len(prev) < 0.7 * full and not ends_sentence and prev[-1:] not in (",", "-") and line[:1].isupper()
        last_line = ends_sentence and len(prev) < 0.85 * full
        if bullet:
            out.append("\n" if in_list else "\n\n")
            in_list = True
        elif heading or last_line:
            out.append("\n\n")
            in_list = False
        elif prev.endswith("-") and line[:1].isalpha():
            out.append("")
        else:
            out.append(" ")
        out.append(line)
    return "".join(out)


def read_pdf(data: bytes, source: Source) -> Parsed:
    out = Parsed()
    try:
        with _limits():
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                out.problems.append(source.problem("encrypted PDF: remove the password first"))
                return out
            count = len(reader.pages)
            if count > source.max_pdf_pages:
                out.problems.append(
                    source.problem(f"has {count} pages, over the limit of {source.max_pdf_pages} (max_pdf_pages)")
                )
                return out
            raw_pages: list[str] = []
            size = 0
            for page in reader.pages:
                text = page.extract_text() or ""
                size += len(text)
                if size > source.max_chars:
                    out.problems.append(source.problem(f"extracted text is over {source.max_chars} characters"))
                    return out
                raw_pages.append(text)
            info = reader.metadata
            title = info.title if info is not None else None
            author = info.author if info is not None else None
            created = info.creation_date if info is not None else None
    except LimitReachedError:
        out.problems.append(
            source.problem(f"refused: a stream inflates past {MAX_STREAM_BYTES} bytes (possible PDF bomb)")
        )
        return out
    except Exception as err:  # pypdf raises many exception types on malformed input; each becomes a problem
        reason = f"{type(err).__name__}: {one_line(str(err))[:120]}"
        out.problems.append(source.problem(f"corrupt or unreadable PDF ({reason}); check the file opens in a viewer"))
        return out
    pages = [[one_line(ln) for ln in clean_text(text).split("\n") if ln.strip()] for text in raw_pages]
    running = _running_lines(pages)
    chunks: list[str] = []
    starts: list[int] = []
    offset = 0
    for lines in pages:
        kept = [ln for ln in lines if _DIGITS.sub("#", ln) not in running]
        if chunks:
            offset += 2  # the blank line between pages
        starts.append(offset)
        chunk = reflow(kept)
        chunks.append(chunk)
        offset += len(chunk)
    text = "\n\n".join(chunks)
    if not text.strip():
        out.problems.append(source.problem("no extractable text (a scanned PDF?): run OCR on it first"))
        return out
    authors = tuple(a for a in (one_line(p) for p in (author or "").split(";")) if a)
    out.drafts.append(
        Draft(format="pdf", text=text, sha256=sha256_hex(data), title=one_line(title) if title else None,
              date=iso_date(created.date()) if created is not None else None, authors=authors,
              page_starts=tuple(starts))
    )
    return out
