"""Figure 1: AWS calls per operation, counted on a warm process over moto.

Each operation sets up its own state uncounted, then counts only its own request.
"""

from __future__ import annotations

from bench import ops_admin, ops_delivery, ops_sessions
from bench.figures import Figure
from bench.scene import warmed
from bench.world import moto_app

MEASURES = [*ops_sessions.MEASURES, *ops_admin.MEASURES, *ops_delivery.MEASURES]


def run() -> list[Figure]:
    with moto_app() as world:
        scene = warmed(world)
        return [measure(scene) for measure in MEASURES]
