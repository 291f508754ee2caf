"""Stoppable polling threads, with the retry pacing Lambda's pollers use."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

log = logging.getLogger("devstack.worker")


@dataclass
class Backoff:
    """Doubling delays after consecutive failures, capped."""

    first: float = 0.1
    cap: float = 5.0
    failures: int = 0

    def fail(self) -> None:
        self.failures += 1

    def reset(self) -> None:
        self.failures = 0

    @property
    def delay(self) -> float:
        return min(self.cap, self.first * 2.0 ** max(0, self.failures - 1))

    def log_failure(self, logger: logging.Logger, what: str) -> None:
        """Count a failure; call from an except block.

        The traceback is logged once, then a line on the 2nd, 4th, 8th... attempt:
        a handler that fails forever would otherwise log ten lines a second.
        """
        self.fail()
        if self.failures == 1:
            logger.exception("%s; retrying", what)
        elif self.failures & (self.failures - 1) == 0:
            logger.warning("%s again (%d attempts)", what, self.failures)


class Worker:
    """Calls `poll` in its own thread until the shared stop event is set.

    `poll` must return within a second or so, so that stopping is prompt.
    """

    def __init__(self, name: str, stop: threading.Event) -> None:
        self.name = name
        self.stop_event = stop
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._errors = Backoff()

    def prepare(self) -> None:
        """Work that must be done before the stack reports ready."""

    def poll(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.poll()
                self._errors.reset()
            except Exception:
                self._errors.log_failure(log, f"{self.name}: poll failed")
                self.stop_event.wait(self._errors.delay)
