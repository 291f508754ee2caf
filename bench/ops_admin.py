"""Call counts of handoffs, force-release and approvals."""

from __future__ import annotations

from bench.api import ADMIN, session_path
from bench.figures import Figure
from bench.scene import Scene, calls_figure, force_release_path, pending_approval, sign

HANDOFF_READ = ("one read of the slot: the request names the session and notifies "
                "its holder")
ACCEPT_READS = ("reads the slot and the request (and the requester's workstation "
                "when this process has not cached it)")
FORCE_RELEASE_READ = ("the admin names no session, so the service first reads the "
                      "item's slot (GetItem) to learn which session to end")
FORCE_RELEASE_TAG = ("If-Match carries the session shown by GET, so the one "
                     "transaction is conditioned on it and nothing is read")
SIGN_READ = "one read of the approval: the workflow engine decides from its state"
AUTO_RELEASE_READS = "reads the approval and the slot; runs off the request path"


def request_handoff(scene: Scene) -> Figure:
    scene.api.acquire("HO-1", scene.alice)
    with scene.counter.measure() as calls:
        scene.api.expect(202, "POST", session_path("HO-1") + "/request-handoff",
                         user="bob", body={"workstation_id": scene.bob})
    return calls_figure("request-handoff", calls, target=2, why=HANDOFF_READ)


def accept(scene: Scene) -> Figure:
    scene.api.acquire("HO-2", scene.alice)
    request = scene.api.expect(202, "POST", session_path("HO-2") + "/request-handoff",
                               user="bob", body={"workstation_id": scene.bob})
    path = f"{session_path('HO-2')}/handoff-requests/{request['request_id']}/accept"
    with scene.counter.measure() as calls:
        scene.api.expect(200, "POST", path)
    return calls_figure("accept handoff", calls, why=ACCEPT_READS)


def direct_force_release(scene: Scene) -> Figure:
    """As an admin tool does it: GET the session (not counted), then force-release
    that session by its ETag."""
    scene.api.acquire("FR-1", scene.alice)
    shown = scene.api.expect_reply(200, "GET", session_path("FR-1"))
    with scene.counter.measure() as calls:
        scene.api.expect(200, "DELETE", force_release_path("FR-1"), user="dave",
                         roles=ADMIN, body={"reason": "bench"},
                         headers={"If-Match": shown.headers["ETag"]})
    return calls_figure("direct force-release, If-Match given", calls,
                        target=1, why=FORCE_RELEASE_TAG)


def direct_force_release_unnamed(scene: Scene) -> Figure:
    scene.api.acquire("FR-2", scene.alice)
    with scene.counter.measure() as calls:
        scene.api.expect(200, "DELETE", force_release_path("FR-2"), user="dave",
                         roles=ADMIN, body={"reason": "bench"})
    return calls_figure("direct force-release, no If-Match", calls,
                        target=2, why=FORCE_RELEASE_READ)


def final_signature(scene: Scene) -> Figure:
    approval_id = pending_approval(scene, "AP-1")
    with scene.counter.measure() as calls:
        sign(scene, approval_id)
    return calls_figure("approval: final signature", calls, target=2, why=SIGN_READ)


def auto_release(scene: Scene) -> Figure:
    from tests.moto.helpers import LambdaContext

    approval_id = pending_approval(scene, "AP-2")
    sign(scene, approval_id)
    event = {"version": "0", "id": "bench", "source": "edit-sessions.approvals",
             "detail-type": "approval.completed", "account": "123456789012",
             "region": "us-east-1", "time": "2026-12-03T15:04:05Z", "resources": [],
             "detail": {"approval_id": approval_id, "workflow": "session-override",
                        "state": "approved"}}
    with scene.counter.measure() as calls:
        scene.world.app.auto_release(event, LambdaContext())
    scene.api.expect(404, "GET", session_path("AP-2"))
    return calls_figure("auto-release (approval.completed)", calls,
                        why=AUTO_RELEASE_READS)


MEASURES = [request_handoff, accept, direct_force_release,
            direct_force_release_unnamed, final_signature, auto_release]
