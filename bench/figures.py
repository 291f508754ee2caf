"""A figure: what was measured, its target, and whether it met it."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS_PATH = Path(__file__).with_name("results.json")
AT_MOST = "<="
EXACTLY = "="


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: float | None = None
    compare: str = AT_MOST
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        """None when the figure has no target (reported for information)."""
        if self.target is None:
            return None
        if self.compare == EXACTLY:
            return self.value == self.target
        return self.value <= self.target

    def verdict(self) -> str:
        return {None: "info", True: "ok", False: "MISS"}[self.ok]

    def line(self) -> str:
        target = "-" if self.target is None else f"{self.compare} {_shown(self.target)}"
        text = (f"{self.name:<48} {_shown(self.value):>9} {self.unit:<6}"
                f"{target:>9}  {self.verdict()}")
        return f"{text}  ({self.note})" if self.note else text

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit,
                "target": self.target, "compare": self.compare,
                "result": self.verdict(), "note": self.note, "details": self.details}


def _shown(number: float) -> str:
    if float(number).is_integer():
        return str(int(number))
    return f"{number:.3f}" if abs(number) < 10 else f"{number:.1f}"


def all_met(figures: Iterable[Figure]) -> bool:
    return all(figure.ok is not False for figure in figures)


def write_results(figures: list[Figure], path: Path = RESULTS_PATH) -> None:
    machine = {"cpus": os.cpu_count(), "python": sys.version.split()[0],
               "platform": platform.platform()}
    document = {"machine": machine, "figures": [f.to_dict() for f in figures]}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
