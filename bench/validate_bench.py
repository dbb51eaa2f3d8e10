"""How long `kg validate` takes, as a ratio to `kg build` of the same corpus measured in the same run.

    python bench/validate_bench.py                      # the sample corpus and a generated 200-document corpus
    python bench/validate_bench.py --docs 50 --baseline 5f9d5bf --timeout 600

For each corpus: a cold `kg build` (fresh output folder, so nothing comes from the cache), then `kg validate`
of that build, each a fresh process timed end to end. CPU seconds (user + system, the process and its
children) are the main measure because these machines are shared; wall seconds and peak memory are shown too.
``--baseline REV`` also times the validator of an older commit (``git archive REV``) on the same build, so a
before/after comparison shares the machine's load. The generated corpus is ``bench/generate.py --docs N``.

Results: a Markdown table on stdout and in bench/results/validate-latest.md, the numbers in validate-latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.measure import Run, timed  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def build(corpus: Path, out: Path, workers: int, timeout: float) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    run = timed([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out), "--workers", str(workers),
                 "--no-progress", "--json"], ROOT, timeout)  # fmt: skip
    if run.exit_code != 0:
        raise SystemExit(f"kg build {corpus} failed (exit {run.exit_code})")
    return run


@dataclass(frozen=True)
class Row:
    corpus: str
    documents: int
    build: Run
    validate: Run
    report: dict[str, object]  # conforms, triples, findings (empty when validation did not finish)
    baseline: Run | None = None
    baseline_rev: str | None = None

    @property
    def ratio_cpu(self) -> float:
        return round(self.validate.cpu_s / self.build.cpu_s, 3)

    @property
    def ratio_wall(self) -> float:
        return round(self.validate.wall_s / self.build.wall_s, 3)

    def to_json(self) -> dict[str, object]:
        runs = {"build": self.build, "validate": self.validate, "baseline": self.baseline}
        data: dict[str, object] = {k: ({**asdict(v), "stdout": None, "stderr": None} if v else None)
                                   for k, v in runs.items()}
        return {"corpus": self.corpus, "documents": self.documents, **self.report, **data,
                "baseline_rev": self.baseline_rev, "ratio_cpu": self.ratio_cpu, "ratio_wall": self.ratio_wall}


def validate(out: Path, code_root: Path, timeout: float) -> tuple[Run, dict[str, object]]:
    run = timed([sys.executable, "-m", "kg", "validate", str(out), "--format", "json"], code_root, timeout)
    if run.exit_code not in (0, 1):
        return run, {}
    report = json.loads(run.stdout)
    return run, {"conforms": report["conforms"], "triples": report["triples"], "findings": len(report["findings"])}


def checkout(rev: str, into: Path) -> Path:
    """The package and ontology of an older commit, to run its validator."""
    archive = subprocess.run(["git", "archive", rev, "kg", "ontology"], cwd=ROOT, capture_output=True, check=True)
    tar = into / "src.tar"
    tar.write_bytes(archive.stdout)
    with tarfile.open(tar) as f:
        f.extractall(into, filter="data")
    return into


def measure(name: str, corpus: Path, args: argparse.Namespace, baseline: Path | None) -> Row:
    out = args.work / f"build-{name.replace(' ', '-')}"
    print(f"[{name}] kg build {corpus} ...", file=sys.stderr, flush=True)
    built = build(corpus, out, args.workers, args.timeout)
    documents = int(json.loads(built.stdout.strip().splitlines()[-1]).get("documents", 0))
    print(f"[{name}] kg validate ...", file=sys.stderr, flush=True)
    checked, report = validate(out, ROOT, args.timeout)
    old = None
    if baseline is not None:
        print(f"[{name}] kg validate as of {args.baseline} ...", file=sys.stderr, flush=True)
        old, _old_report = validate(out, baseline, args.timeout)
    return Row(name, documents, built, checked, report, old, args.baseline)


def _cell(run: Run) -> str:
    stopped = "" if run.exit_code is not None else " (stopped at the timeout)"
    return f"{run.cpu_s} s CPU, {run.wall_s} s wall{stopped}"


def table(rows: list[Row]) -> str:
    lines = ["| corpus | documents | triples | kg build | kg validate | validate / build (CPU) | (wall) "
             "| validate peak MB | findings |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        lines.append(f"| {r.corpus} | {r.documents} | {r.report.get('triples', '?')} | {_cell(r.build)} "
                     f"| {_cell(r.validate)} | {r.ratio_cpu} | {r.ratio_wall} | {r.validate.peak_rss_mb} "
                     f"| {r.report.get('findings', '?')} |")  # fmt: skip
    compared = [r for r in rows if r.baseline is not None]
    if compared:
        lines += ["", "| corpus | validator | kg validate | validate / build (CPU) |", "|---|---|---|---|"]
        for r in compared:
            assert r.baseline is not None
            lines.append(f"| {r.corpus} | as of {r.baseline_rev} | {_cell(r.baseline)} "
                         f"| {round(r.baseline.cpu_s / r.build.cpu_s, 3)} |")  # fmt: skip
            lines.append(f"| {r.corpus} | this checkout | {_cell(r.validate)} | {r.ratio_cpu} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200, help="documents in the generated corpus (0: skip it)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "policy-kg-validate-bench")
    parser.add_argument("--workers", type=int, default=1, help="kg build --workers")
    parser.add_argument("--baseline", help="also time the validator of this git revision on the same builds")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a run is stopped")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    baseline = checkout(args.baseline, Path(tempfile.mkdtemp(prefix="kg-baseline-"))) if args.baseline else None
    corpora = [("sample", ROOT / "corpus")]
    if args.docs:
        generated = args.work / f"c{args.docs}"
        shutil.rmtree(generated, ignore_errors=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--docs", str(args.docs), "--out",
                        str(generated)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        corpora.append((f"generated {args.docs}", generated))
    rows = [measure(name, corpus, args, baseline) for name, corpus in corpora]
    text = table(rows)
    machine = f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {"machine": machine, "rows": [r.to_json() for r in rows]}
    (RESULTS / "validate-latest.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "validate-latest.md").write_text(f"# kg validate against kg build\n\n{machine}\n\n{text}\n",
                                                encoding="utf-8")  # fmt: skip
    print(text)
    print(f"\n{machine}")


if __name__ == "__main__":
    main()
