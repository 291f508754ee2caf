"""The packaged prod template, built once per test session (chalice package takes a
few seconds) into a temporary folder, so a developer's build/ is left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.package import package

STAGE = "prod"


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return package(STAGE, tmp_path_factory.mktemp("package") / STAGE)


@pytest.fixture(scope="session")
def template(packaged: Path) -> dict[str, Any]:
    return json.loads(packaged.read_text("utf-8"))


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]
