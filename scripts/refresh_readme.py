"""Re-run every ```console block in README.md and paste in the real output.

    .venv/bin/python scripts/refresh_readme.py   # after `make demo`

A block is ```console, one `$ command` line, then the output. Commands run from the repository root
with .venv/bin first on PATH; long outputs are cut to MAX_LINES with a marked ellipsis.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"```console\n\$ (?P<cmd>[^\n]+)\n(?P<out>.*?)```", re.S)
MAX_LINES = 28


def run(cmd: str) -> str:
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}", COLUMNS="110", NO_COLOR="1")
    proc = subprocess.run(cmd, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    lines = (proc.stdout + proc.stderr).rstrip("\n").splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], f"… ({len(lines) - MAX_LINES + 1} more lines)"]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = BLOCK.sub(lambda m: f"```console\n$ {m['cmd']}\n{run(m['cmd'])}```", text)
    tmp = readme.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, readme)
    print(f"README.md: {len(BLOCK.findall(text))} console blocks refreshed")


if __name__ == "__main__":
    main()
