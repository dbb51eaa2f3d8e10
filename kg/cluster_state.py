"""What claim clustering keeps between builds (``BUILD/cache/clusters/state.npz``), and claim features as JSON
(the unit id of a set of features is a digest of that JSON line).

The state records the result of the last clustering in terms of *units* (distinct claim features, named by a
digest of the features):

- ``claims``: claim-input digest -> unit, and each unit's features as ids (a ``FeatureTable`` and its
  vocabularies, ``kg.cluster_features``): claims that did not change are not analysed again, and the next build
  extends the same vocabularies, so term ids agree;
- each unit's documents (with how many of its claims each states), and the weight and stop-term status of every
  term and pair (arrays over term ids and pair keys): a unit whose documents or whose terms' weights changed is
  *dirty*;
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
import json
import os
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kg.buildio import remove_stale, tmp_path
from kg.claim_similarity import ClaimFeatures
from kg.claim_text import Quantity
from kg.cluster_features import FeatureTable, Kind, Vocabularies

STATE_FILE = "state.npz"
STATE_FORMAT = 2
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
    claims: dict[str, int] = field(default_factory=dict)  # claim-input digest -> unit (index into ``units``)
    vocab: Vocabularies = field(default_factory=Vocabularies)
    table: FeatureTable | None = None  # the features of ``units``
    units: list[str] = field(default_factory=list)  # unit ids, sorted: the index used by the arrays below
    unit_docs: list[str] = field(default_factory=list)  # digest of each unit's documents and claim counts
    component: list[int] = field(default_factory=list)  # unit -> its component's smallest unit
    cluster: list[int] = field(default_factory=list)  # unit -> its cluster's smallest unit
    term_weights: FloatArray = field(default_factory=lambda: np.zeros(0))  # term id -> weight (< 0: stop; NaN: none)
    pair_keys: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # sorted
    pair_weights: FloatArray = field(default_factory=lambda: np.zeros(0))
    weights_global: list[float] = field(default_factory=list)  # unseen, mean
    edges: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    edge_scores: FloatArray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    contradictions: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    independent: dict[str, int] = field(default_factory=dict)  # sources digest -> independent sources


def _kind_to_json(kind: Kind) -> list[Any]:
    quantities, years, negated = kind
    return [sorted([q.unit, q.value] for q in quantities), sorted(years), negated]


def _kind_from_json(data: list[Any]) -> Kind:
    quants, years, negated = data
    return (frozenset(Quantity(str(u), float(v)) for u, v in quants) if quants else frozenset(),
            frozenset(int(y) for y in years) if years else frozenset(), bool(negated))


def load_state(folder: Path | None, signature: str) -> ClusterState:
    """The state in ``folder`` if it was written with the same ``signature``; otherwise an empty one."""
    if folder is None:
        return ClusterState(signature)
    try:
        with np.load(folder / STATE_FILE, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode("utf-8"))
            if header.get("format") != STATE_FORMAT or header.get("signature") != signature:
                return ClusterState(signature)
            vocab = Vocabularies(header["terms"], header["names"], (_kind_from_json(k) for k in header["kinds"]))
            table = FeatureTable(vocab, data["t_off"].astype(np.int64), data["t_ids"].astype(np.int32),
                                 data["p_off"].astype(np.int64), data["p_keys"].astype(np.int64),
                                 data["n_off"].astype(np.int64), data["n_ids"].astype(np.int32),
                                 data["kind"].astype(np.int32))
            units: list[str] = header["units"]
            if len(table) != len(units):
                return ClusterState(signature)
            return ClusterState(
                signature=signature,
                claims=dict(zip(header["claim_keys"], data["claim_units"].tolist(), strict=True)),
                vocab=vocab,
                table=table,
                units=units,
                unit_docs=header["unit_docs"],
                component=data["component"].tolist(),
                cluster=data["cluster"].tolist(),
                term_weights=data["term_weights"].astype(np.float64),
                pair_keys=data["pair_keys"].astype(np.int64),
                pair_weights=data["pair_weights"].astype(np.float64),
                weights_global=header["weights_global"],
                edges=data["edges"].reshape(-1, 2).astype(np.int64),
                edge_scores=data["edge_scores"].astype(np.float64),
                contradictions=data["contradictions"].reshape(-1, 2).astype(np.int64),
                independent=header["independent"],
            )
    except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile):
        return ClusterState(signature)


def save_state(folder: Path, state: ClusterState) -> None:
    table = state.table if state.table is not None else FeatureTable.empty(state.vocab)
    claim_keys = sorted(state.claims)
    header = {
        "format": STATE_FORMAT, "signature": state.signature, "units": state.units,
        "unit_docs": state.unit_docs, "claim_keys": claim_keys,
        "terms": state.vocab.terms.items, "names": state.vocab.names.items,
        "kinds": [_kind_to_json(k) for k in state.vocab.kinds.items],
        "weights_global": state.weights_global,
        "independent": dict(sorted(state.independent.items())),
    }
    arrays = {
        "header": np.frombuffer(json.dumps(header, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        "claim_units": np.asarray([state.claims[k] for k in claim_keys], dtype=np.int32),
        "t_off": table.t_off, "t_ids": table.t_ids, "p_off": table.p_off, "p_keys": table.p_keys,
        "n_off": table.n_off, "n_ids": table.n_ids, "kind": table.kind,
        "component": np.asarray(state.component, dtype=np.int32),
        "cluster": np.asarray(state.cluster, dtype=np.int32),
        "term_weights": state.term_weights, "pair_keys": state.pair_keys, "pair_weights": state.pair_weights,
        "edges": state.edges.astype(np.int32), "edge_scores": state.edge_scores,
        "contradictions": state.contradictions.astype(np.int32),
    }
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale(folder)  # what an interrupted build left
    target = folder / STATE_FILE
    tmp = tmp_path(target)
    try:  # written straight to a file: the state is not held twice in memory
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
