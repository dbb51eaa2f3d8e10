"""Seeded generator of synthetic but realistic news corpora with known facts, for `make bench`.

    python bench/generate.py --docs 1000 --out bench/corpora/c1000 [--seed 7] [--facts FILE]

Writes Markdown articles with YAML front matter (300 to 1,500 words each) into OUT, and the facts each
article was generated from (developer, base city and country, leaders) as JSON lines BESIDE the folder
(``OUT.facts.jsonl`` unless ``--facts`` names another file), so that a benchmark can check what the build
recovers. Never inside OUT: `kg build OUT` reads ``.jsonl`` files as documents. Same seed and size give
byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = json.loads((Path(__file__).parent / "templates.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Lab:
    name: str
    family: str
    country: str
    city: str
    leader: str
    role: str


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(TEMPLATES["syllables"]) for _ in range(parts)).capitalize()


def make_world(rng: random.Random, n_labs: int) -> tuple[list[Lab], list[str]]:
    labs: list[Lab] = []
    seen: set[str] = set()
    while len(labs) < n_labs:
        stem = _name(rng, rng.choice((2, 3)))
        if stem in seen:
            continue
        seen.add(stem)
        country, city = rng.choice(TEMPLATES["countries"])
        person = f"{rng.choice(TEMPLATES['first_names'])} {rng.choice(TEMPLATES['last_names'])}"
        labs.append(Lab(f"{stem} {rng.choice(TEMPLATES['lab_suffixes'])}", _name(rng, 2), country, city, person,
                        rng.choice(TEMPLATES["roles"])))
    orgs = sorted({rng.choice(TEMPLATES["org_kinds"]).format(name=_name(rng, 2)) for _ in range(max(4, n_labs // 3))})
    return labs, orgs


def _model(rng: random.Random, lab: Lab) -> str:
    version = f"{rng.randint(1, 5)}.{rng.randint(0, 9)}" if rng.random() < 0.6 else str(rng.randint(2, 9))
    size = rng.choice(("", f"-{rng.choice((7, 14, 32, 70, 72, 235, 405))}B"))
    return f"{lab.family}-{version}{size}"


def article(rng: random.Random, labs: list[Lab], orgs: list[str], index: int) -> tuple[str, dict[str, object]]:
    lab, lab2 = rng.sample(labs, 2)
    model, model2 = _model(rng, lab), _model(rng, lab2)
    org, outlet = rng.choice(orgs), rng.choice(TEMPLATES["outlets"])
    slots = {
        "lab": lab.name, "lab2": lab2.name, "model": model, "model2": model2, "family": lab.family,
        "country": lab.country, "city": lab.city, "person": lab.leader, "role": lab.role, "outlet": outlet,
        "org": org, "policy": rng.choice(TEMPLATES["policies"]), "weekday": rng.choice(TEMPLATES["weekdays"]),
    }
    target_words = rng.randint(300, 1500)
    paragraphs: list[str] = [rng.choice(TEMPLATES["lead"]).format(**slots)]
    words = len(paragraphs[0].split())
    while words < target_words:
        sentences = []
        for _ in range(rng.randint(2, 5)):
            slots.update(n=str(rng.randint(2, 40)), year=str(rng.randint(2019, 2026)), pct=str(rng.randint(3, 95)))
            sentences.append(rng.choice(TEMPLATES["body"]).format(**slots))
        paragraph = " ".join(sentences)
        if rng.random() < 0.3:
            paragraph += f" ({outlet})"
        paragraphs.append(paragraph)
        words += len(paragraph.split())
    title = f"{lab.name} releases {model} as competition with {lab2.name} grows"
    date = f"20{rng.randint(23, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    front = (f"---\ntitle: {json.dumps(title)}\nurl: https://news.example.org/{index:06d}\n"
             f"publisher: {json.dumps(outlet)}\ndate: {date}\n---\n\n")
    facts = {"doc": f"a{index:06d}", "developedBy": [model, lab.name], "basedIn": [lab.name, lab.city, lab.country],
             "leads": [lab.leader, lab.name], "words": words}
    return front + f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n", facts


def facts_path(out: Path) -> Path:
    """Where the facts of the corpus in ``out`` go by default: ``OUT.facts.jsonl``, beside the folder."""
    return out.with_name(out.name + ".facts.jsonl")


def generate(out: Path, docs: int, seed: int = 7, facts: Path | None = None) -> int:
    """Write ``docs`` articles into ``out`` and their facts to ``facts`` (default: beside ``out``, see
    :func:`facts_path`); return the total word count."""
    facts = facts or facts_path(out)
    if facts.resolve().is_relative_to(out.resolve()):
        raise ValueError(f"{facts}: the facts file must not be inside the corpus folder {out}")
    rng = random.Random(seed)
    labs, orgs = make_world(rng, max(8, docs // 25))
    out.mkdir(parents=True, exist_ok=True)
    (out / "facts.jsonl").unlink(missing_ok=True)  # from an older generator: it would be read as documents
    facts.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    with facts.open("w", encoding="utf-8") as facts_file:
        for i in range(docs):
            text, facts = article(rng, labs, orgs, i)
            (out / f"a{i:06d}.md").write_text(text, encoding="utf-8")
            facts_file.write(json.dumps(facts, sort_keys=True) + "\n")
            total += int(str(facts["words"]))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--facts", type=Path, default=None, help="facts file (default: OUT.facts.jsonl)")
    args = parser.parse_args()
    try:
        words = generate(args.out, args.docs, args.seed, args.facts)
    except ValueError as err:
        parser.error(str(err))
    facts = args.facts or facts_path(args.out)
    print(f"{args.out}: {args.docs} documents, {words} words (facts: {facts})")


if __name__ == "__main__":
    main()
