"""What `import app` loads on top of `import boto3`, and what it costs: each module's
own time from `python -X importtime`, summed per top-level package, for the modules
a fresh `import boto3` does not load."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def heaviest_imports(top: int = 8) -> list[tuple[str, float]]:
    """The `top` packages, by seconds, that the app imports beyond boto3."""
    app, baseline = own_times("import app"), own_times("import boto3")
    extra: Counter[str] = Counter()
    for module, micros in app.items():
        if module not in baseline:
            extra[module.split(".")[0]] += micros
    return [(name, round(micros / 1e6, 3)) for name, micros in extra.most_common(top)]


def own_times(statement: str) -> dict[str, int]:
    """Microseconds each module took to import itself, in a fresh process."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", statement],
                          cwd=PROJECT_DIR, capture_output=True, text=True,
                          timeout=300, check=True)
    found = (LINE.match(line) for line in done.stderr.splitlines())
    return {match.group(2): int(match.group(1)) for match in found if match}
