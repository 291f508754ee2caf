"""Starting and stopping the local stack as a process."""

from __future__ import annotations

import signal

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from devstack.testing import StackFailed, running_stack

pytestmark = pytest.mark.e2e

SAMPLE_APP = "tests.devstack.sample_app"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_stops_the_stack_cleanly(sig: int):
    with running_stack(app=SAMPLE_APP) as stack:
        with connect(stack.ws_url) as socket:
            exit_code = stack.stop(sig)

            # Open sockets are closed as going away, as on a redeploy.
            with pytest.raises(ConnectionClosed) as closed:
                socket.recv(timeout=5)
        stderr = stack.stderr()

    assert exit_code == 0, stderr
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    assert "devstack: stopped" in stderr
    assert "Traceback" not in stderr
    assert "threads still running" not in stderr


def test_a_stack_that_cannot_start_reports_its_stderr():
    with pytest.raises(StackFailed) as failed:
        with running_stack(app="tests.devstack.no_such_module"):
            pass

    assert "exited with 1" in str(failed.value)
    assert "No module named 'tests.devstack.no_such_module'" in str(failed.value)
