"""What claim clustering keeps between builds (``BUILD/cache/clusters/state.npz``), and claim features as JSON.

The state records the result of the last clustering in terms of *units* (distinct claim features, named by a
digest of the features):

- ``claims``: claim-input digest -> unit id, and each unit's features: claims that did not change are not
  analysed again;
- each unit's documents (with how many of its claims each states), and the weight and stop-term status of every
  term: a unit whose documents or whose terms' weights changed is *dirty*;
- the strong edges (pairs scoring at least the merge threshold) and the contradiction pairs between units, as
  numpy arrays;
- each unit's component (connected by strong edges) and cluster: components without a dirty unit keep their
  clusters;
- the number of independent sources of each cluster, keyed by a digest of its sources.

The file is one uncompressed ``.npz`` (numpy arrays and a JSON header, loaded without pickle), written to a
temporary name and moved into place. A missing, damaged or foreign state (another format, parameters or
lexicon) only means that everything is computed again.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kg.buildio import remove_stale, write_bytes
from kg.claim_similarity import ClaimFeatures
from kg.claim_text import Quantity

STATE_FILE = "state.npz"
STATE_FORMAT = 1
FEATURES_VERSION = "1"  # bump when claim_features gives other features for the same input

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def features_to_json(f: ClaimFeatures) -> list[Any]:
    return [sorted(f.terms), sorted(f.pairs), sorted(f.entities), sorted([q.unit, q.value] for q in f.quantities),
            sorted(f.years), f.negated, sorted(f.names)]


def features_from_json(data: list[Any]) -> ClaimFeatures:
    terms, pairs, entities, quants, years, negated, names = data
    return ClaimFeatures(frozenset(terms), frozenset(pairs), frozenset(entities),
                         frozenset(Quantity(str(u), float(v)) for u, v in quants) if quants else frozenset(),
                         frozenset(int(y) for y in years) if years else frozenset(), bool(negated), frozenset(names))


class Interner:
    """One object for every equal term and every equal set of features: units repeat the same few thousand terms
    and often whole sets (entities, names, years), and a set of strings costs far more than the strings' text."""

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.sets: dict[frozenset[str], frozenset[str]] = {}
        self.other: dict[tuple[frozenset[Quantity], frozenset[int]], tuple[frozenset[Quantity], frozenset[int]]] = {}

    def _set(self, items: frozenset[str]) -> frozenset[str]:
        found = self.sets.get(items)
        if found is None:
            strings = self.strings
            found = self.sets[items] = frozenset([strings.setdefault(t, t) for t in items])
        return found

    def features(self, f: ClaimFeatures) -> ClaimFeatures:
        quantities, years = self.other.setdefault((f.quantities, f.years), (f.quantities, f.years))
        return ClaimFeatures(self._set(f.terms), self._set(f.pairs), self._set(f.entities), quantities, years,
                             f.negated, self._set(f.names))


def features_line(f: ClaimFeatures) -> str:
    """The features as one line of JSON."""
    return json.dumps(features_to_json(f), ensure_ascii=False, separators=(",", ":"))


def unit_id(line: str) -> str:
    """A stable name for a set of features, from :func:`features_line` (sorts the units of every build alike)."""
    return hashlib.sha1(line.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def docs_digest(docs: Counter[str]) -> str:
    """A digest of the documents stating a unit, with how many of its claims each states."""
    blob = json.dumps(sorted(docs.items()), ensure_ascii=False)
    return hashlib.sha1(blob.encode("utf-8", "surrogatepass")).hexdigest()[:20]


@dataclass
class ClusterState:
    """The clustering of the last build; empty when there was none (everything is then computed)."""

    signature: str = ""
    claims: dict[str, str] = field(default_factory=dict)  # claim-input digest -> unit id
    features: dict[str, ClaimFeatures] = field(default_factory=dict)  # unit id -> features
    lines: dict[str, str] = field(default_factory=dict)  # unit id -> features_line (written as they were read)
    units: list[str] = field(default_factory=list)  # unit ids, sorted: the index used by the arrays below
    unit_docs: list[str] = field(default_factory=list)  # digest of each unit's documents and claim counts
    component: list[int] = field(default_factory=list)  # unit -> its component's smallest unit
    cluster: list[int] = field(default_factory=list)  # unit -> its cluster's smallest unit
    terms: dict[str, float] = field(default_factory=dict)  # term -> weight, negative for stop terms
    weights_global: list[float] = field(default_factory=list)  # unseen, mean
    edges: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    edge_scores: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    contradictions: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    independent: dict[str, int] = field(default_factory=dict)  # sources digest -> independent sources


def load_state(folder: Path | None, signature: str, interner: Interner | None = None) -> ClusterState:
    """The state in ``folder`` if it was written with the same ``signature``; otherwise an empty one."""
    interner = interner or Interner()
    if folder is None:
        return ClusterState(signature)
    try:
        with np.load(folder / STATE_FILE, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode("utf-8"))
            if header.get("format") != STATE_FORMAT or header.get("signature") != signature:
                return ClusterState(signature)
            units: list[str] = header["units"]
            lines = bytes(data["features"]).decode("utf-8").split("\n") if units else []
            return ClusterState(
                signature=signature,
                claims=dict(zip(header["claim_keys"], (units[i] for i in data["claim_units"].tolist()),
                                strict=True)),
                features={u: interner.features(features_from_json(f)) for u, f in zip(  # one parse for all lines
                    units, json.loads("[" + ",".join(lines) + "]") if lines else [], strict=True)},
                lines=dict(zip(units, lines, strict=True)),
                units=units,
                unit_docs=header["unit_docs"],
                component=data["component"].tolist(),
                cluster=data["cluster"].tolist(),
                terms=dict(zip(header["terms"], data["term_weights"].tolist(), strict=True)),
                weights_global=header["weights_global"],
                edges=data["edges"].reshape(-1, 2).astype(np.int64),
                edge_scores=data["edge_scores"].astype(np.float64),
                contradictions=data["contradictions"].reshape(-1, 2).astype(np.int64),
                independent=header["independent"],
            )
    except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile):
        return ClusterState(signature)


def save_state(folder: Path, state: ClusterState) -> None:
    index = {u: i for i, u in enumerate(state.units)}
    claim_keys = sorted(state.claims)
    terms = sorted(state.terms)
    header = {
        "format": STATE_FORMAT, "signature": state.signature, "units": state.units,
        "unit_docs": state.unit_docs,
        "claim_keys": claim_keys, "terms": terms, "weights_global": state.weights_global,
        "independent": dict(sorted(state.independent.items())),
    }
    arrays = {
        "header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        "features": np.frombuffer("\n".join(state.lines[u] for u in state.units).encode("utf-8"), dtype=np.uint8),
        "claim_units": np.asarray([index[state.claims[k]] for k in claim_keys], dtype=np.int32),
        "component": np.asarray(state.component, dtype=np.int32),
        "cluster": np.asarray(state.cluster, dtype=np.int32),
        "term_weights": np.asarray([state.terms[t] for t in terms], dtype=np.float64),
        "edges": state.edges.astype(np.int32), "edge_scores": state.edge_scores,
        "contradictions": state.contradictions.astype(np.int32),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale(folder)  # what an interrupted build left
    write_bytes(folder / STATE_FILE, buffer.getvalue())
