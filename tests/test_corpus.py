"""Reading the corpus: every format round trip, every bad input, the seeds, and read-only behaviour."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF

from kg.config import Settings
from kg.corpus import CorpusResult, read_corpus
from kg.errors import InputError
from kg.records import Document, Problem

SETTINGS = Settings()


def read(*paths: Path, settings: Settings = SETTINGS) -> CorpusResult:
    return read_corpus(list(paths), settings)


def only(result: CorpusResult) -> Document:
    assert len(result.documents) == 1, result
    return result.documents[0]


def one_problem(result: CorpusResult, name: str) -> Problem:
    """Exactly one problem, and it names the file."""
    assert len(result.problems) == 1, result.problems
    problem = result.problems[0]
    assert problem.path.endswith(name), problem
    assert name in str(problem)
    return problem


def minimal_pdf(stream: bytes, flate: bool = False) -> bytes:
    """A one-page PDF whose page content is ``stream`` (optionally declared FlateDecode), with a valid xref."""
    filt = b" /Filter /FlateDecode" if flate else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n" % (len(stream), filt) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def three_page_pdf(path: Path) -> None:
    pdf = FPDF()
    pdf.set_title("Three pages")
    pdf.set_author("Ada Analyst; Ben Writer")
    for text in ("Page one says DeepSeek released R1.", "Page two says Qwen is popular.", "Page three ends."):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 6, text)
    path.write_bytes(bytes(pdf.output()))


def tree_snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    snap: dict[str, tuple[int, int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            snap[path.relative_to(root).as_posix()] = (info.st_mtime_ns, info.st_size, digest)
    return snap


# --- round trips ------------------------------------------------------------------------------------------


def test_txt_utf8_with_bom_and_crlf(tmp_path: Path) -> None:
    data = "\ufeffHeadline line\r\n\r\nDeepSeek’s founder Liang Wenfeng spoke.\r\n".encode()
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_bytes(data)
    result = read(tmp_path)
    doc = only(result)
    assert result.problems == ()
    assert doc.id == "news/a" and doc.path == "news/a.txt" and doc.format == "txt"
    assert doc.text == "Headline line\n\nDeepSeek’s founder Liang Wenfeng spoke."
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert result.by_format == {"txt": 1}


def test_txt_in_another_encoding_is_read_with_a_warning(tmp_path: Path) -> None:
    text = (
        "Le rapport de Stanford évoque une « stratégie » réfléchie : les modèles chinois à poids ouverts "
        "sont désormais incontournables, a déclaré l'équipe de l'université. Même les développeurs européens "
        "préfèrent déjà Qwen à Llama pour les tâches en français, d'après une étude récente.\n"
    ) * 3
    (tmp_path / "latin.txt").write_bytes(text.encode("cp1252"))
    result = read(tmp_path)
    doc = only(result)
    problem = one_problem(result, "latin.txt")
    assert "not UTF-8" in problem.message and "UTF-8" in problem.message
    assert "évoque" in doc.text and "Même" in doc.text and "«" in doc.text


def test_markdown_front_matter_and_plain_text_body(tmp_path: Path) -> None:
    (tmp_path / "story.md").write_text(
        "---\n"
        "title: Chinese models gain ground\n"
        "url: https://example.org/story\n"
        "publisher: Example Times\n"
        "date: 2025-12-17\n"
        "authors: [Ada Analyst, Ben Writer]\n"
        "---\n\n"
        "# Chinese models gain ground\n\n"
        "Alibaba's **Qwen2.5-72B** is popular,\naccording to [the report](https://example.org/r).\n\n"
        "- first point\n- second `point`\n\n"
        "> \"They are unavoidable,\" the report said.\n",
        encoding="utf-8",
    )
    result = read(tmp_path)
    doc = only(result)
    assert result.problems == ()
    assert (doc.title, doc.url, doc.publisher, doc.date) == (
        "Chinese models gain ground",
        "https://example.org/story",
        "Example Times",
        "2025-12-17",
    )
    assert doc.authors == ("Ada Analyst", "Ben Writer")
    assert doc.text == (
        "Chinese models gain ground\n\n"
        "Alibaba's Qwen2.5-72B is popular, according to the report.\n\n"
        "- first point\n- second point\n\n"
        '"They are unavoidable," the report said.'
    )


def test_markdown_with_bad_metadata_keeps_the_document_and_warns(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text("---\ntitle: T\ndate: last Tuesday\nurl: not a url\n---\nBody text.\n")
    result = read(tmp_path)
    doc = only(result)
    problem = one_problem(result, "m.md")
    assert "date" in problem.message and "url" in problem.message
    assert doc.date is None and doc.url is None and doc.title == "T"


HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Stanford report on open models | Example Dispatch</title>
<meta property="og:site_name" content="Example Dispatch">
<meta property="og:url" content="https://example.org/dispatch/open-models">
<meta property="article:published_time" content="2025-12-18T06:30:00+00:00">
<meta name="author" content="Lena Hartmann">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/tech">Technology</a></li><li>Subscribe now</li></ul></nav>
<article>
<h1>Stanford report on open models</h1>
<p>Chinese open models are now close to the frontier, according to a report by Stanford HAI.
It was released on Tuesday.</p>
<p>"They are unavoidable," the report said.</p>
<ul><li>Qwen leads downloads.</li><li>DeepSeek is not alone.</li></ul>
</article>
<footer>© 2025 Example Dispatch. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>"""


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(HTML_PAGE, encoding="utf-8")
    result = read(tmp_path)
    doc = only(result)
    assert result.problems == ()
    assert doc.format == "html"
    assert doc.title == "Stanford report on open models"
    assert doc.publisher == "Example Dispatch"
    assert doc.url == "https://example.org/dispatch/open-models"
    assert doc.date == "2025-12-18"
    assert doc.authors == ("Lena Hartmann",)
    assert doc.text == (
        "Stanford report on open models\n\n"
        "Chinese open models are now close to the frontier, according to a report by Stanford HAI. "
        "It was released on Tuesday.\n\n"
        '"They are unavoidable," the report said.\n\n'
        "- Qwen leads downloads.\n- DeepSeek is not alone."
    )
    assert "Subscribe" not in doc.text and "Privacy" not in doc.text


def test_pdf_pages_are_mapped(tmp_path: Path) -> None:
    three_page_pdf(tmp_path / "r.pdf")
    result = read(tmp_path)
    doc = only(result)
    assert result.problems == ()
    assert doc.format == "pdf" and len(doc.page_starts) == 3
    assert doc.title == "Three pages" and doc.authors == ("Ada Analyst", "Ben Writer")
    for phrase, page in (("DeepSeek released R1", 1), ("Qwen is popular", 2), ("Page three ends", 3)):
        start = doc.text.index(phrase)
        assert doc.text[start : start + len(phrase)] == phrase
        assert doc.page_of(start) == page
        assert doc.page_of(start + len(phrase) - 1) == page


def test_sample_report_pdf_pages_and_sidecar(root: Path) -> None:
    result = read(root / "corpus" / "reports")
    doc = only(result)
    assert result.problems == ()
    assert doc.id == "beyond-deepseek"
    assert doc.publisher == "Stanford HAI" and doc.url is not None and doc.url.startswith("https://hai.stanford.edu/")
    assert doc.date == "2025-12-16" and "Graham Webster" in doc.authors
    assert len(doc.page_starts) == 4
    assert doc.page_of(doc.text.index("Key Takeaways")) == 1
    assert doc.page_of(doc.text.index("An Ecosystem, Not a Single Champion")) == 2
    assert doc.page_of(doc.text.index("unavoidable in global AI competition")) == 3
    assert doc.page_of(doc.text.index("About the Authors")) == 4
    assert "page 2" not in doc.text  # the running footer is dropped
    # wrapped lines are re-joined: a sentence that spans lines in the PDF is one line of text
    assert "how well different guardrails work." in doc.text


def test_committed_pdf_matches_its_generator(root: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_sample_pdf", root / "scripts" / "make_sample_pdf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == (root / "corpus" / "reports" / "beyond-deepseek.pdf").read_bytes()


def test_json_record_and_jsonl_records(tmp_path: Path) -> None:
    record = {"text": "One record.", "title": "T", "date": "2025-01-16", "authors": ["A"], "extra": 1}
    (tmp_path / "single.json").write_text(json.dumps(record), encoding="utf-8")
    lines = [
        {"id": "wire/1", "text": "First item.", "url": "https://example.org/1", "publisher": "Wire"},
        {"id": "wire/2", "text": "Second item.", "date": "2025-06-30T08:00:00Z"},
    ]
    (tmp_path / "wire.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n\n", encoding="utf-8")
    result = read(tmp_path)
    assert result.problems == ()
    docs = {d.id: d for d in result.documents}
    assert list(docs) == ["single", "wire/1", "wire/2"]  # sorted by id
    assert docs["single"].text == "One record." and docs["single"].format == "json"
    assert docs["single"].sha256 == hashlib.sha256((tmp_path / "single.json").read_bytes()).hexdigest()
    assert docs["wire/1"].url == "https://example.org/1" and docs["wire/1"].publisher == "Wire"
    assert docs["wire/2"].date == "2025-06-30T08:00:00Z"
    canonical = json.dumps(lines[1], sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert docs["wire/2"].sha256 == hashlib.sha256(canonical).hexdigest()
    assert docs["wire/1"].path == "wire.jsonl"
    assert result.by_format == {"json": 1, "jsonl": 2}


# --- bad input: exactly one problem naming the file, and the rest still loads -----------------------------

GOOD = "Alibaba's Qwen is popular, the report said.\n"


def corpus_with(tmp_path: Path, name: str, data: bytes) -> Path:
    root = tmp_path / "corpus"
    root.mkdir(exist_ok=True)
    (root / "good.txt").write_text(GOOD, encoding="utf-8")
    (root / name).write_bytes(data)
    return root


def assert_rest_loads(result: CorpusResult) -> None:
    assert [d.id for d in result.documents] == ["good"]


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<html><body><article><p>Secret: &xxe; and more words to make a paragraph worth keeping.</p></article></body></html>"""

LAUGHS = b"""<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<html><body><p>&lol9;</p></body></html>"""


def random_bytes(n: int) -> bytes:
    return random.Random(7).randbytes(n)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n", "empty"),
        ("random.txt", b"\x00\x01\x02PK\x03\x04" + random_bytes(2000), "cannot decode"),
        ("nul.txt", b"text\x00\x00with NUL bytes " * 20, "binary"),
        ("notes.docx", b"PK\x03\x04 not really a document", "unknown extension"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage\n", "corrupt"),
        ("truncated.pdf", minimal_pdf(b"BT /F1 12 Tf 72 700 Td (Hello.) Tj ET")[:150], "corrupt"),
        ("bomb.pdf", minimal_pdf(zlib.compress(b" " * (64 << 20), 9), flate=True), "PDF bomb"),
        ("xxe.html", XXE, "entities"),
        ("laughs.htm", LAUGHS, "billion-laughs"),
        ("nohtml.html", b"<html><body><nav>Home</nav></body></html>", "no main text"),
        ("notext.json", b'{"id": "x", "title": "no text here"}', "no 'text'"),
        ("list.json", b'[{"id": "a"}]', "no 'text'"),
        ("badjson.json", b'{"id": "x", "text": ', "not valid JSON"),
        ("badyaml.md", b"---\ntitle: [unclosed\n---\nBody.\n", "not valid YAML"),
        ("scan.pdf", minimal_pdf(b"0 0 1 rg 10 10 100 100 re f"), "no extractable text"),
    ],
)
def test_bad_input_is_one_problem_naming_the_file(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    result = read(corpus_with(tmp_path, name, data))
    problem = one_problem(result, name)
    assert reason in problem.message
    assert_rest_loads(result)


def test_bad_jsonl_line_is_named_by_number(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "Fine."}),
        "",
        '{"id": "b", "text": "broken',
        json.dumps({"id": "c", "text": "Also fine."}),
    ]
    root = corpus_with(tmp_path, "wire.jsonl", "\n".join(lines).encode())
    result = read(root)
    problem = one_problem(result, "wire.jsonl")
    assert problem.line == 3 and "wire.jsonl:3" in str(problem) and "not valid JSON" in problem.message
    assert [d.id for d in result.documents] == ["a", "c", "good"]


def test_jsonl_record_without_text_or_id(tmp_path: Path) -> None:
    lines = [json.dumps({"id": "a", "title": "no text"}), json.dumps({"text": "no id"}), "[1, 2]"]
    result = read(corpus_with(tmp_path, "w.jsonl", "\n".join(lines).encode()))
    assert [(p.line, p.path.endswith("w.jsonl")) for p in result.problems] == [(1, True), (2, True), (3, True)]
    assert "no 'text'" in result.problems[0].message and "no 'id'" in result.problems[1].message
    assert_rest_loads(result)


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    root = corpus_with(tmp_path, "big.txt", b"word " * 400)
    result = read(root, settings=Settings(max_file_bytes=1000))
    problem = one_problem(result, "big.txt")
    assert "over the limit of 1000" in problem.message and "max_file_bytes" in problem.message
    assert_rest_loads(result)


def test_pdf_over_the_page_limit(tmp_path: Path) -> None:
    root = corpus_with(tmp_path, "x.txt", GOOD.encode())
    (root / "x.txt").unlink()
    three_page_pdf(root / "long.pdf")
    result = read(root, settings=Settings(max_pdf_pages=2))
    problem = one_problem(result, "long.pdf")
    assert "3 pages" in problem.message and "max_pdf_pages" in problem.message
    assert_rest_loads(result)


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    root = corpus_with(tmp_path, "good.md", b"Another good document.\n")
    result = read(root)
    problem = one_problem(result, "good.txt")  # good.md sorts first and keeps the id
    assert "duplicate document id 'good'" in problem.message
    assert only(result).format == "md"


@pytest.mark.timeout(20)
def test_a_fifo_does_not_hang(tmp_path: Path) -> None:
    root = corpus_with(tmp_path, "x.txt", GOOD.encode())
    (root / "x.txt").unlink()
    os.mkfifo(root / "pipe.txt")
    result = read(root)
    problem = one_problem(result, "pipe.txt")
    assert "not a regular file" in problem.message
    assert_rest_loads(result)


def test_hidden_files_and_root_readme_are_skipped(tmp_path: Path) -> None:
    root = corpus_with(tmp_path, ".hidden.txt", b"secret")
    (root / ".git").mkdir()
    (root / ".git" / "config.txt").write_text("x")
    (root / "README.md").write_text("# About this corpus\n")
    (root / "sub").mkdir()
    (root / "sub" / "README.md").write_text("A document that happens to be called README.\n")
    result = read(root)
    assert result.problems == ()
    assert [d.id for d in result.documents] == ["good", "sub/README"]


def test_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        read(tmp_path / "nope")


def test_a_single_file_argument(tmp_path: Path) -> None:
    root = corpus_with(tmp_path, "README.txt", b"Named explicitly, so it is read.\n")
    result = read(root / "README.txt")
    assert only(result).id == "README"


# --- the real inputs -------------------------------------------------------------------------------------


def test_the_seed_articles_load(seeds_dir: Path) -> None:
    result = read(seeds_dir)
    assert result.problems == ()
    assert [d.id for d in result.documents] == ["000_b459fb38e5c398b9", "001_3f42c379ec986d15"]
    first = result.documents[0]
    assert first.text.startswith("China’s Open-Source AI Surge")
    assert "(South China Morning Post)" in first.text
    assert "DigiChina Project" in result.documents[1].text


def test_the_sample_corpus_loads_cleanly_and_covers_every_format(root: Path) -> None:
    result = read(root / "corpus")
    assert result.problems == ()
    assert len(result.documents) >= 14
    assert set(result.by_format) == {"md", "html", "pdf", "json", "jsonl", "txt"}
    assert all(d.url and d.url.startswith("http") for d in result.documents), "every document records its source"
    assert all(d.title and d.publisher and d.date for d in result.documents)


def test_reading_is_read_only_and_deterministic(root: Path, tmp_path: Path) -> None:
    bad = corpus_with(tmp_path, "bomb.pdf", minimal_pdf(zlib.compress(b" " * (1 << 20)), flate=True))
    (bad / "x.html").write_bytes(XXE)
    before = {"corpus": tree_snapshot(root / "corpus"), "bad": tree_snapshot(bad)}
    first = read(root / "corpus", bad)
    second = read(root / "corpus", bad)
    assert first == second
    assert {"corpus": tree_snapshot(root / "corpus"), "bad": tree_snapshot(bad)} == before
