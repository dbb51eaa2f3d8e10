"""`kg query` and the query library, on the hand-written graph-model fixture (tests/fixtures/mini.trig)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.cli.query import command as query_command
from kg.errors import InputError, QueryError
from kg.named_queries import (
    QUERIES_DIR,
    Param,
    bind_params,
    load_named_queries,
    parse_named_query,
    parse_term,
    resolve_entity,
)
from kg.query import Dataset, bind_values, dataset_for, render, run_query
from kg.sparql_check import QueryRefused, QuerySyntaxError, UpdateRefused, find_service, inspect_query
from kg.sparql_format import cut, render_table, shorten, text_width
from kg.store import store_from_trig
from kg.vocab import PREFIXES

E = "https://policy-kg.org/id/entity/"
KG = "https://policy-kg.org/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory, mini_trig: Path) -> Path:
    build = tmp_path_factory.mktemp("build")
    store = store_from_trig(mini_trig, build / "store")
    del store
    return build


@pytest.fixture(scope="module")
def ds(mini_trig: Path) -> Dataset:
    return dataset_for(store_from_trig(mini_trig))


def kg_query(build: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(query_command, ["--build", str(build), *args])
    return result.exit_code, result.stdout_bytes.decode(), result.stderr


# --- checking queries before they run ------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SeRvIcE <http://x/> { ?s ?p ?o } } }",
    "SELECT * WHERE { # a comment\n SERVICE\n<http://x/>{?s ?p ?o} }",
    "PREFIX ex: <http://127.0.0.1:9/> SELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } } } }",
    "ASK { FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
    # `<` is both an IRI opener and less-than: a context-free scan reads `<?b)SERVICE#>` as one IRI
    "SELECT * WHERE { ?a ?p ?b FILTER(?a<?b)SERVICE#>\n<http://127.0.0.1:9/> { ?s ?p ?o } }",
])
def test_service_is_refused_wherever_it_is_code(query: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        inspect_query(query, PREFIXES)


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" }',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/> { }",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "PREFIX ex: <http://example.org/> SELECT ?service WHERE { ?service ex:SERVICE ?o }",
    "SELECT * WHERE { ?s ?p '''multi\nline SERVICE <http://x/> {}''' }",
])
def test_service_as_text_is_not_refused(query: str) -> None:
    assert find_service(query) is None
    assert inspect_query(query, PREFIXES).form == "SELECT"


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <file:///etc/passwd>",
    "CLEAR ALL",
    "DROP GRAPH <https://policy-kg.org/id/graph/ontology>",
    "PREFIX kg: <https://policy-kg.org/ns#> DELETE { ?s ?p ?o } INSERT { ?s kg:x 1 } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused(ds: Dataset, update: str) -> None:
    with pytest.raises(UpdateRefused):
        run_query(ds, update, trusted=False)
    with pytest.raises(UpdateRefused):
        run_query(ds, update)
    assert run_query(ds, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0] == \
        pyoxigraph.Literal("165", datatype=pyoxigraph.NamedNode(XSD + "integer"))


def test_from_outside_the_build_is_refused_and_from_inside_selects_a_graph(ds: Dataset, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text("<http://secret.example/s> <http://secret.example/p> 'SECRET' .\n")
    for query in (f"SELECT * FROM <file://{secret}> WHERE {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <file://{secret}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                  "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"):
        with pytest.raises(QueryRefused, match="not a graph of this build"):
            run_query(ds, query)
    whole = run_query(ds, "SELECT DISTINCT ?s WHERE { ?s a ?t }")
    ontology = run_query(ds, "SELECT DISTINCT ?s FROM graph:ontology WHERE { ?s a ?t }")
    assert 0 < len(ontology.rows) < len(whole.rows)
    assert pyoxigraph.NamedNode(E + "deepseek") in {r[0] for r in ontology.rows}
    assert pyoxigraph.NamedNode(E + "qwen2-5-72b") not in {r[0] for r in ontology.rows}  # it is in graph/cross


def test_syntax_errors_carry_line_and_column(ds: Dataset) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        run_query(ds, "SELECT ?s\nWHERE {\n  ?s ?p \n}", trusted=False)
    assert caught.value.line is not None and caught.value.column is not None
    assert "line" in str(caught.value) and "\n" not in str(caught.value)


# --- parameters ----------------------------------------------------------------------------------------------

def test_parameter_values_are_typed(ds: Dataset) -> None:
    p = ds.prefixes
    assert parse_term("<http://example.org/x>", p) == pyoxigraph.NamedNode("http://example.org/x")
    assert parse_term("kg:Lab", p) == pyoxigraph.NamedNode(KG + "Lab")
    assert parse_term("e:deepseek", p) == pyoxigraph.NamedNode(E + "deepseek")
    assert parse_term("42", p) == pyoxigraph.Literal("42", datatype=pyoxigraph.NamedNode(XSD + "integer"))
    assert parse_term('"Qwen"@en', p) == pyoxigraph.Literal("Qwen", language="en")
    assert parse_term('"2025-12-16"^^xsd:date', p) == \
        pyoxigraph.Literal("2025-12-16", datatype=pyoxigraph.NamedNode(XSD + "date"))
    assert parse_term("DeepSeek", p) == pyoxigraph.Literal("DeepSeek")
    assert parse_term("nope:thing", p) == pyoxigraph.Literal("nope:thing")  # an unknown prefix is just text
    assert parse_term("Note: see", p) == pyoxigraph.Literal("Note: see")
    with pytest.raises(QueryError, match="not a valid IRI"):
        parse_term("<http://x/a b>", p)


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_string_binds_as_exactly_that_literal(value: str) -> None:
    ds = _mini_ds()
    answer = run_query(ds, "SELECT ?v ?n WHERE { BIND(STRLEN(?v) AS ?n) }", bindings={"v": pyoxigraph.Literal(value)},
                       trusted=False)
    assert len(answer.rows) == 1
    assert answer.rows[0][0] == pyoxigraph.Literal(value)


_MINI: list[Dataset] = []


def _mini_ds() -> Dataset:
    if not _MINI:
        _MINI.append(dataset_for(store_from_trig(Path(__file__).parent / "fixtures" / "mini.trig")))
    return _MINI[0]


def test_injection_through_a_parameter_returns_no_extra_rows(build_dir: Path) -> None:
    query = "SELECT ?label WHERE { ?e skos:prefLabel ?label FILTER(?label = ?name) }"
    code, out, _ = kg_query(build_dir, query, "--param", "name=Qwen", "--format", "csv")
    assert code == 0 and out.splitlines() == ["label", "Qwen"]
    for attack in ('Qwen" || true || "', "Qwen') || true || ('", 'x" } UNION { ?e skos:prefLabel ?label } #',
                   "x\\\" || true || \\\""):
        code, out, err = kg_query(build_dir, query, "--param", f"name={attack}", "--format", "csv")
        assert code == 0, err
        assert out.splitlines() == ["label"], attack


def test_bound_parameters_are_visible_to_filters(ds: Dataset) -> None:
    # pyoxigraph's `substitutions` do not reach FILTER expressions; the VALUES block does
    answer = run_query(ds, "SELECT ?claim WHERE { ?claim kg:modality ?m FILTER(?m = ?wanted) }",
                       bindings={"wanted": pyoxigraph.NamedNode(KG + "hedged")})
    assert [r[0] for r in answer.rows] == [pyoxigraph.NamedNode("https://policy-kg.org/id/claim/news/a/65-118")]


def test_values_block_opens_the_where_group() -> None:
    v = {"x": pyoxigraph.Literal("a")}
    assert bind_values("SELECT * WHERE { ?s ?p ?x }", v)[0] == 'SELECT * WHERE { VALUES (?x) { ("a") }  ?s ?p ?x }'
    construct = bind_values("CONSTRUCT { ?s ?p ?x } WHERE { ?s ?p ?x }", v)[0]
    assert construct.startswith("CONSTRUCT { ?s ?p ?x } WHERE { VALUES (?x)")
    exists = bind_values("SELECT (EXISTS { ?a ?b ?c } AS ?e) { ?s ?p ?x }", v)[0]
    assert exists.endswith('{ VALUES (?x) { ("a") }  ?s ?p ?x }')
    assert bind_values("DESCRIBE ?x", v)[0] == 'DESCRIBE ?x\nVALUES (?x) { ("a") } '


def test_a_parameter_the_query_does_not_use_is_an_error(ds: Dataset) -> None:
    with pytest.raises(QueryError, match=r"no variable \?nope"):
        run_query(ds, "SELECT * WHERE { ?s ?p ?o }", bindings={"nope": pyoxigraph.Literal("x")})


def test_entities_resolve_from_names_aliases_and_iris(ds: Dataset, tmp_path: Path, mini_trig: Path) -> None:
    china = pyoxigraph.NamedNode(E + "china")
    assert resolve_entity(ds, "China") == china
    assert resolve_entity(ds, "prc") == china  # an altLabel, any case
    assert resolve_entity(ds, "e:china") == china
    assert resolve_entity(ds, f"<{E}china>") == china
    assert resolve_entity(ds, "American") == pyoxigraph.NamedNode(E + "united-states")  # a surface form
    assert resolve_entity(ds, "深度求索") == pyoxigraph.NamedNode(E + "deepseek")
    with pytest.raises(QueryError, match="no entity is named"):
        resolve_entity(ds, "Atlantis")
    with pytest.raises(QueryError, match="no such entity"):
        resolve_entity(ds, "e:atlantis")
    extra = tmp_path / "ambiguous.trig"
    extra.write_text(mini_trig.read_text() + """
<https://policy-kg.org/id/graph/extra> {
  e:sea-lion a kg:Model ; skos:prefLabel "SEA-LION" ; skos:altLabel "Lion" .
  e:lion-lab a kg:Lab ; skos:prefLabel "Lion Lab" ; skos:altLabel "Lion" .
}
""")
    ambiguous = dataset_for(store_from_trig(extra))
    with pytest.raises(QueryError, match="names 2 entities") as caught:
        resolve_entity(ambiguous, "lion")
    assert "e:sea-lion" in str(caught.value) and "e:lion-lab" in str(caught.value)


def test_named_query_parameters_are_checked(ds: Dataset) -> None:
    params = (Param("entity", "entity"), Param("limit", "int", optional=True))
    assert bind_params(ds, {"entity": "Qwen"}, params) == {"entity": pyoxigraph.NamedNode(E + "qwen")}
    with pytest.raises(QueryError, match="missing parameter"):
        bind_params(ds, {}, params)
    with pytest.raises(QueryError, match="unknown parameter 'entiy'"):
        bind_params(ds, {"entiy": "Qwen", "entity": "Qwen"}, params)
    with pytest.raises(QueryError, match="not an integer"):
        bind_params(ds, {"entity": "Qwen", "limit": "ten"}, params)


# --- named queries -------------------------------------------------------------------------------------------

def test_there_are_at_least_twelve_named_queries_each_with_a_header() -> None:
    queries = load_named_queries()
    assert len(queries) >= 12
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        head = path.read_text(encoding="utf-8").splitlines()
        assert head[0].startswith("# description: "), path
        assert any(line.startswith("# params: ") for line in head[:8]), path
        query = queries[path.stem]
        assert len(query.description) > 20 and query.example.startswith(f"kg query --name {path.stem}")


def test_a_named_query_without_a_header_is_an_error_naming_it() -> None:
    with pytest.raises(InputError, match=r"broken\.rq.*# description"):
        parse_named_query("broken", "SELECT * WHERE { ?s ?p ?o }", "kg/queries/broken.rq")
    with pytest.raises(InputError, match="bad '# params:' line"):
        parse_named_query("broken", "# description: x\n# params: entity (thing)\nSELECT * {}", "broken.rq")


MINI_PARAMS = {
    "claims-about": ["entity=Qwen"], "claims-by-person": ["person=e:digichina-open-models-report"],
    "documents-mentioning-both": ["a=Alibaba", "b=Qwen"], "entity-relations": ["entity=Qwen"],
    "path-between": ["from=Qwen", "to=China"], "report-findings": ["report=DigiChina open-weight models report"],
}


@pytest.mark.parametrize("name", sorted(load_named_queries()))
def test_every_named_query_runs_in_every_format(build_dir: Path, name: str) -> None:
    args = ["--name", name]
    for param in MINI_PARAMS.get(name, []):
        args += ["--param", param]
    code, table, err = kg_query(build_dir, *args)
    assert code == 0, err
    code, out, err = kg_query(build_dir, *args, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["head"]["vars"] and table.rstrip().endswith(f"({len(data['results']['bindings'])} row"
                                                            f"{'' if len(data['results']['bindings']) == 1 else 's'})")


def test_named_queries_answer_the_fixture(build_dir: Path) -> None:
    def rows(*args: str) -> list[dict[str, str]]:
        code, out, err = kg_query(build_dir, *args, "--format", "csv")
        assert code == 0, err
        return list(csv.DictReader(io.StringIO(out)))

    models = rows("--name", "models-by-developer", "--param", "country=PRC")
    assert {(r["modelLabel"], r["developerLabel"], r["countryLabel"]) for r in models} == {
        ("Qwen", "Alibaba", "China"), ("DeepSeek-R1", "DeepSeek", "China")}
    assert rows("--name", "models-by-developer", "--param", "developer=OpenAI") == []
    labs = rows("--name", "labs-by-country", "--param", "country=America")
    assert [r["labLabel"] for r in labs] == ["OpenAI"]
    claims = rows("--name", "claims-about", "--param", "entity=tongyi qianwen")
    assert [(r["text"], r["modalityName"], r["saidBy"], r["reportedBy"]) for r in claims] == [
        ("Alibaba's Qwen may have moved ahead, the report said.", "hedged", "DigiChina open-weight models report",
         "South China Morning Post")]
    assert rows("--name", "claims-about", "--param", "entity=China", "--param", "modality=hedged") == []
    assert len(rows("--name", "claims-about", "--param", "entity=China", "--param", "modality=kg:asserted")) == 1
    hedged = rows("--name", "claims-by-modality", "--param", "modality=Hedged")
    assert [(r["modalityName"], r["cue"]) for r in hedged] == [("hedged", "said")]
    path = rows("--name", "path-between", "--param", "from=Qwen", "--param", "to=China")
    assert [(r["hops"], r["path"]) for r in path] == [("2", "Qwen -developedBy-> Alibaba -basedIn-> China")]
    both = rows("--name", "documents-mentioning-both", "--param", "a=Alibaba", "--param", "b=Qwen")
    assert [(r["title"], r["mentionsA"], r["mentionsB"], r["claimsAboutBoth"]) for r in both] == [
        ("Chinese open models close in", "1", "1", "1")]
    aliases = rows("--name", "entity-aliases", "--param", "entity=US")
    assert ("American", "seen as", "demonym") in {(r["name"], r["kind"], r["rule"]) for r in aliases}
    evidence = rows("--name", "relation-evidence", "--param", "subject=Qwen")
    assert [(r["evidence"], r["rule"], r["confidence"]) for r in evidence] == [("Alibaba's Qwen", "possessive", "0.85")]
    relations = rows("--name", "entity-relations", "--param", "entity=Qwen")
    assert {(r["direction"], r["relation"], r["otherLabel"], r["documents"], r["inSeed"]) for r in relations} == {
        ("out", "developedBy", "Alibaba", "1", "true"), ("in", "partOf", "Qwen2.5-72B", "0", "false")}


# --- output --------------------------------------------------------------------------------------------------

SELECT_LABELS = "SELECT ?e ?label WHERE { ?e skos:prefLabel ?label } ORDER BY ?label"


def test_json_xml_csv_tsv_are_the_w3c_formats(ds: Dataset, build_dir: Path) -> None:
    expected = [(s["e"], s["label"]) for s in ds.store.query(SELECT_LABELS, prefixes=dict(ds.prefixes),
                                                                use_default_graph_as_union=True)]
    for fmt, oxi in (("json", pyoxigraph.QueryResultsFormat.JSON), ("xml", pyoxigraph.QueryResultsFormat.XML),
                     ("tsv", pyoxigraph.QueryResultsFormat.TSV)):
        code, out, err = kg_query(build_dir, SELECT_LABELS, "--format", fmt)
        assert code == 0, err
        parsed = pyoxigraph.parse_query_results(out.encode(), format=oxi)
        assert isinstance(parsed, pyoxigraph.QuerySolutions)
        assert [(s["e"], s["label"]) for s in parsed] == expected, fmt
    code, out, _ = kg_query(build_dir, SELECT_LABELS, "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["e", "label"] and table[1:] == [[e.value, label.value] for e, label in expected]
    assert "\r\n" in out  # RFC 4180 line ends, as the SPARQL CSV format asks


def test_results_with_every_kind_of_term_survive_json_and_xml(ds: Dataset) -> None:
    query = """SELECT ?iri ?plain ?lang ?typed ?bnode ?unbound WHERE {
      BIND(e:china AS ?iri) BIND("tab\\there \\"quoted\\" <b>" AS ?plain) BIND("深度求索"@zh AS ?lang)
      BIND("2025-12-16"^^xsd:date AS ?typed) BIND(BNODE("x") AS ?bnode) }"""
    answer = run_query(ds, query)
    for fmt, oxi in (("json", pyoxigraph.QueryResultsFormat.JSON), ("xml", pyoxigraph.QueryResultsFormat.XML)):
        parsed = list(pyoxigraph.parse_query_results(render(answer, fmt, ds.prefixes), format=oxi))
        row = parsed[0]
        assert row["iri"] == answer.rows[0][0] and row["plain"] == answer.rows[0][1]
        assert row["lang"] == pyoxigraph.Literal("深度求索", language="zh")
        assert row["typed"] == answer.rows[0][3] and isinstance(row["bnode"], pyoxigraph.BlankNode)
        assert row["unbound"] is None


def test_truncated_results_are_marked_and_still_parse(ds: Dataset) -> None:
    answer = run_query(ds, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_rows=5)
    assert answer.truncated and len(answer.rows) == 5
    body = render(answer, "json", ds.prefixes)
    assert json.loads(body)["truncated"] is True
    assert len(list(pyoxigraph.parse_query_results(body, format=pyoxigraph.QueryResultsFormat.JSON))) == 5
    xml = render(answer, "xml", ds.prefixes)
    assert b'<link href="https://policy-kg.org/ns#truncated"/>' in xml
    assert len(list(pyoxigraph.parse_query_results(xml, format=pyoxigraph.QueryResultsFormat.XML))) == 5
    whole = run_query(ds, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_rows=1000)
    assert not whole.truncated and "truncated" not in json.loads(render(whole, "json", ds.prefixes))


def test_table_aligns_shortens_and_cuts(build_dir: Path) -> None:
    code, out, _ = kg_query(build_dir, "SELECT ?claim ?text ?start WHERE { ?claim kg:text ?text ; kg:evidence/"
                            "oa:hasSelector/oa:start ?start } ORDER BY ?start", "--max-width", "30")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["claim", "text", "start"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split("  ")[0] == "claim:news/a/0-64" and "Chinese open models now perfo… " in lines[2]
    assert lines[2].endswith(" 0") and lines[3].endswith("65")  # numbers right-aligned
    assert len({len(line) for line in lines[1:4]}) == 1  # aligned columns
    assert lines[-1] == "(2 rows)"


def test_table_helpers() -> None:
    assert shorten(KG + "Lab", PREFIXES) == "kg:Lab"
    assert shorten("http://example.org/x y", PREFIXES) == "<http://example.org/x y>"
    assert text_width("深度求索") == 8 and cut("深度求索深度求索", 7) == "深度求…"
    assert cut("a\nb   c", 10) == "a b c"
    table = render_table(["x"], [(pyoxigraph.Literal("深度求索"),), (pyoxigraph.Literal("ab"),)], PREFIXES)
    assert table.splitlines()[2:4] == ["深度求索", "ab"]


def test_construct_and_describe_print_turtle(build_dir: Path, ds: Dataset) -> None:
    code, out, err = kg_query(build_dir, "CONSTRUCT WHERE { e:qwen ?p ?o }")
    assert code == 0, err
    assert "@prefix e: <https://policy-kg.org/id/entity/> ." in out and "e:qwen a kg:Model" in out
    triples = list(pyoxigraph.parse(out.encode(), format=pyoxigraph.RdfFormat.TURTLE))
    assert {str(t.triple) for t in triples} == {str(t) for t in ds.store.query(
        "CONSTRUCT WHERE { e:qwen ?p ?o }", prefixes=dict(ds.prefixes), use_default_graph_as_union=True)}
    code, out, _ = kg_query(build_dir, "DESCRIBE e:china", "--format", "ntriples")
    assert code == 0 and f"<{E}china> <http://www.w3.org/2004/02/skos/core#prefLabel> \"China\" ." in out
    code, _, err = kg_query(build_dir, "CONSTRUCT WHERE { e:qwen ?p ?o }", "--format", "csv")
    assert code == 2 and "turtle" in err


def test_ask_prints_true_or_false_and_sets_the_exit_code(build_dir: Path) -> None:
    assert kg_query(build_dir, "ASK { e:qwen kg:developedBy e:alibaba }")[:2] == (0, "true\n")
    assert kg_query(build_dir, "ASK { e:qwen kg:developedBy e:openai }")[:2] == (1, "false\n")
    code, out, _ = kg_query(build_dir, "ASK { e:qwen kg:developedBy e:alibaba }", "--format", "json")
    assert code == 0 and json.loads(out) == {"head": {}, "boolean": True}


def test_errors_exit_2_with_a_one_line_message(build_dir: Path, tmp_path: Path) -> None:
    code, out, err = kg_query(build_dir, "SELECT ?s WHERE {\n  ?s ?p \n}")
    assert code == 2 and out == ""
    first, *context = err.splitlines()
    assert first == "kg: error: SPARQL syntax error at line 3, column 1: unexpected '}'"
    assert context == ["  }", "  ^"]
    code, _, err = kg_query(tmp_path / "nowhere", "SELECT * WHERE { ?s ?p ?o }")
    assert code == 2 and "kg build" in err
    code, _, err = kg_query(build_dir, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert code == 2 and "SERVICE" in err and len(err.splitlines()) == 1
    code, _, err = kg_query(build_dir, "--name", "no-such-query")
    assert code == 2 and "--list" in err
    code, _, err = kg_query(build_dir, "SELECT * WHERE { ?s ?p ?o }", "--param", "novalue")
    assert code == 2 and "NAME=VALUE" in err


def test_query_from_a_file_and_from_stdin(build_dir: Path, tmp_path: Path) -> None:
    rq = tmp_path / "q.rq"
    rq.write_text("SELECT ?l WHERE { e:qwen skos:prefLabel ?l }\n")
    assert kg_query(build_dir, "--file", str(rq), "--format", "csv")[1].splitlines() == ["l", "Qwen"]
    result = CliRunner().invoke(query_command, ["--build", str(build_dir), "--file", "-", "--format", "tsv"],
                                input="SELECT ?l WHERE { e:china skos:prefLabel ?l }")
    assert result.exit_code == 0 and result.stdout.splitlines() == ["?l", '"China"']


def test_list_and_show(build_dir: Path) -> None:
    code, out, _ = kg_query(build_dir, "--list")
    assert code == 0
    for query in load_named_queries().values():
        assert f"{query.name}  " in out and query.description in out
    assert "--param entity=…" in out
    listed = json.loads(kg_query(build_dir, "--list", "--format", "json")[1])
    assert {q["name"] for q in listed} == set(load_named_queries())
    assert kg_query(build_dir, "--name", "documents", "--show")[1] == (QUERIES_DIR / "documents.rq").read_text()


def test_output_is_deterministic(build_dir: Path) -> None:
    first = kg_query(build_dir, "--name", "most-cited-entities", "--format", "json")
    assert first[0] == 0 and all(kg_query(build_dir, "--name", "most-cited-entities", "--format", "json") == first
                                 for _ in range(2))


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(query_command, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.stdout and "Exit codes" in result.stdout
