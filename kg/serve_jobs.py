"""One job of a `kg serve` worker: run a query (or a named query) and write the negotiated result."""

from __future__ import annotations

from collections.abc import Mapping

from kg.errors import InputError, KgError
from kg.named_queries import run_named
from kg.query import Answer, Dataset, run_query
from kg.serve_protocol import ProtocolError, content_type, negotiate, parse_accept
from kg.sparql_check import QueryRefused, QuerySyntaxError, UpdateRefused
from kg.sparql_format import write_boolean, write_graph, write_results

Outcome = tuple[dict[str, object], bytes]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _answer(ds: Dataset, job: Mapping[str, object], trusted: bool) -> Answer:
    max_rows = job.get("max_rows")
    limit = max_rows if isinstance(max_rows, int) else None
    named = job.get("named")
    if named:
        params = job.get("params")
        raw = {str(k): str(v) for k, v in params.items()} if isinstance(params, dict) else {}
        return run_named(ds, str(named), raw, max_rows=limit, trusted=trusted)
    return run_query(ds, str(job.get("query", "")), max_rows=limit, trusted=trusted,
                     default_graphs=_strings(job.get("default_graphs")),
                     named_graphs=_strings(job.get("named_graphs")))


def run_job(ds: Dataset, job: Mapping[str, object], trusted: bool) -> Outcome:
    """The outcome of one job: a header (status, content type, rows, truncated, or error) and a body.

    A bad query is an outcome with a 4xx status, never an exception. ``trusted`` is True only in a worker
    cut off from the network: then queries beyond SPARQL 1.1 that rdflib cannot check may still run.
    """
    try:
        answer = _answer(ds, job, trusted)
        fmt_name = job.get("format")
        media, fmt = negotiate(answer.form, parse_accept(str(job.get("accept") or "")),
                               str(fmt_name) if fmt_name else None)
        if answer.form == "ASK":
            body = write_boolean(fmt, bool(answer.boolean))
        elif answer.form == "SELECT":
            body = write_results(fmt, answer.variables, answer.rows, answer.truncated)
        else:
            body = write_graph(fmt, answer.triples, ds.prefixes)
    except ProtocolError as err:
        return {"status": err.status, "error": str(err)}, b""
    except UpdateRefused as err:
        return {"status": 403, "error": str(err)}, b""
    except (QuerySyntaxError, QueryRefused) as err:
        return {"status": 400, "error": str(err)}, b""
    except InputError as err:  # an unknown named query
        return {"status": 404, "error": str(err)}, b""
    except KgError as err:  # a bad parameter, an unknown entity, a query that failed while running
        return {"status": 400, "error": str(err)}, b""
    except (OSError, RuntimeError, ValueError) as err:  # writing the result failed: the server's fault
        return {"status": 500, "error": f"the result could not be written: {err}"}, b""
    return {"status": 200, "content_type": content_type(media), "rows": answer.size, "form": answer.form,
            "truncated": answer.truncated}, body


__all__ = ["Outcome", "run_job"]
