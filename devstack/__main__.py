"""`python -m devstack [--app MODULE] [--stage STAGE]`: run the service locally."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from types import FrameType

from devstack.stack import Options, Stack

log = logging.getLogger("devstack")

# Chatty at INFO: one line per emulated AWS call, socket or retry.
_QUIET = ("werkzeug", "botocore", "boto3", "urllib3", "websockets")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--app", default="app", help="module with the Chalice `app`")
    parser.add_argument("--stage", default="dev", help="Chalice stage for settings")
    return parser.parse_args(argv)


def configure_logging() -> None:
    # stdout carries only the ready line (and whatever the app prints).
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM, so both end in the same orderly stop."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


def start(args: argparse.Namespace) -> tuple[Stack, str] | None:
    """The started stack and its ready line; None (the reason logged) if it failed."""
    try:
        stack = Stack(Options.from_env(os.environ, args.app, args.stage))
        return stack, stack.start()
    except OSError as exc:
        # Most often a port in use: say so without a page of traceback.
        log.error("devstack could not start: %s (PORT and WS_PORT choose ports)", exc)
    except Exception:
        log.exception("devstack could not start")
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging()
    stop = stop_on_signals()
    started = start(args)
    if started is None:
        return 1
    stack, ready = started
    print(ready, flush=True)
    while not stop.wait(0.5):
        pass

    log.info("stopping")
    if not stack.stop():
        return 1
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
