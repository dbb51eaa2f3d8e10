"""Plain text (``.txt``) and the shared decoder: UTF-8 (BOM stripped), else a detected encoding with a warning."""

from __future__ import annotations

from dataclasses import dataclass

from charset_normalizer import from_bytes

from kg.ingest.common import Draft, Parsed, Source, clean_text, sha256_hex

_TIE = 0.05  # charset-normalizer "chaos" difference treated as a tie


@dataclass(frozen=True)
class Decoded:
    text: str | None
    warning: str | None = None  # set when the file was not UTF-8 but could be read
    error: str | None = None  # set when text is None


def decode(data: bytes) -> Decoded:
    """UTF-8 first (a BOM is dropped); otherwise charset-normalizer's best guess, which is reported."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        utf8_error = f"not UTF-8 (byte {err.start})"
    else:
        if "\x00" in text:
            return Decoded(None, error="contains NUL bytes: this looks like a binary file, not text")
        return Decoded(text)
    matches = list(from_bytes(data))
    if not matches:
        return Decoded(None, error=f"cannot decode: {utf8_error} and no other encoding fits; save it as UTF-8")
    best = matches[0]
    # Short single-byte texts fit several code pages almost equally well; Windows-1252 is by far the most
    # common legacy encoding of English and Western European text, so it wins a near tie.
    western = [m for m in matches if "cp1252" in m.could_be_from_charset and m.chaos <= best.chaos + _TIE]
    encoding = "cp1252" if western else str(best.encoding)
    text = data.decode("cp1252", errors="replace") if western else str(best)
    if "\x00" in text:
        return Decoded(None, error="contains NUL bytes: this looks like a binary file, not text")
    warning = f"{utf8_error}; read as {encoding} (a guess)"
    return Decoded(text, warning=warning + ": save it as UTF-8 to be sure")


def read_txt(data: bytes, source: Source) -> Parsed:
    out = Parsed()
    decoded = decode(data)
    if decoded.text is None:
        out.problems.append(source.problem(decoded.error or "cannot decode"))
        return out
    if decoded.warning:
        out.problems.append(source.problem(decoded.warning))
    out.drafts.append(Draft(format="txt", text=clean_text(decoded.text), sha256=sha256_hex(data)))
    return out
