"""Update one ``## Heading`` section of benchmarks/RESULTS.md, keeping the others."""
from __future__ import annotations

import os

from paddlevideo.utils.fileio import atomic_write_text


def replace_section(path: str, heading: str, body: str) -> None:
    """Replace the section that starts with the line ``heading`` (up to the next ``## ``
    heading) by ``body`` (which starts with ``heading``); append it when absent. Atomic."""
    text = open(path).read() if os.path.isfile(path) else "# Benchmark results\n"
    lines = text.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        new = text.rstrip("\n") + "\n\n" + body.rstrip("\n") + "\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        new = "\n".join(lines[:start] + body.rstrip("\n").splitlines() + [""] + lines[end:]).rstrip("\n") + "\n"
    atomic_write_text(path, new)
