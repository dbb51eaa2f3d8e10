"""Builds shared by the build, incremental, export, graph-model and RDF tests.

The sample corpus is built once per test session (real spaCy pipeline, real store) whichever test module
asks first; small corpora for incremental tests are copies of sample documents in a temp folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib

from kg.build import BuildOptions, BuildResult, run_build
from kg.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = ROOT / "corpus"
# a few sample documents of every kind the small builds need: md, txt + sidecar, jsonl (5 records), pdf + sidecar
SMALL = ("news/deepseek-r1-release.md", "news/kimi-k2-launch.md", "news/zhipu-entity-list.txt",
         "news/zhipu-entity-list.txt.meta.yaml", "reports/beyond-deepseek.pdf", "reports/beyond-deepseek.pdf.meta.yaml")


@dataclass(frozen=True)
class Built:
    out: Path
    result: BuildResult


_BUILT: dict[str, Built] = {}  # one sample build per session, whichever module's fixture runs first


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample corpus built into a temp folder (shared by every test module that imports this fixture)."""
    if "sample" not in _BUILT:
        out = tmp_path_factory.mktemp("sample") / "build"
        result = run_build(BuildOptions((SAMPLE_CORPUS,), out, progress=False), Settings())
        _BUILT["sample"] = Built(out, result)
    return _BUILT["sample"]


def copy_corpus(dst: Path, names: tuple[str, ...] = SMALL) -> Path:
    """Copy sample documents (paths relative to corpus/) into ``dst``; returns ``dst``."""
    for name in names:
        target = dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLE_CORPUS / name, target)
    return dst


def build(corpus: Path, out: Path, **settings: object) -> BuildResult:
    return run_build(BuildOptions((corpus,), out, progress=False), Settings(**settings))  # type: ignore[arg-type]


def kg(*args: str, seed: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kg ARGS`` in a new process (optionally with PYTHONHASHSEED)."""
    env = dict(os.environ)
    if seed is not None:
        env["PYTHONHASHSEED"] = seed
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=timeout, check=False)


def dataset(path: Path) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    ds.parse(path, format="trig")
    return ds


def graphs_of(ds: rdflib.Dataset) -> dict[str, rdflib.Graph]:
    """Named graph IRI -> its triples (non-empty graphs only)."""
    out = {}
    for g in ds.graphs():
        if len(g) and str(g.identifier) != str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID):
            copy = rdflib.Graph()
            for triple in g:
                copy.add(triple)
            out[str(g.identifier)] = copy
    return out
