"""Plain text (``.txt``) and the shared decoder: UTF-8 (BOM stripped), else a detected encoding with a warning."""

from __future__ import annotations

from dataclasses import dataclass

from charset_normalizer import from_bytes

from kg.ingest.common import Draft, Parsed, Source, clean_text, sha256_hex


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
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return Decoded(None, error=f"cannot decode: {utf8_error} and no other encoding fits; save it as UTF-8")
    text = str(best)
    if "\x00" in text:
        return Decoded(None, error="contains NUL bytes: this looks like a binary file, not text")
    return Decoded(text, warning=f"{utf8_error}; read as {best.encoding} (a guess): save it as UTF-8 to be sure")


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
