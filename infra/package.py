"""`python -m infra.package --stage STAGE [--out DIR]`: the deployable template.

Runs `chalice package` with a merge template made of infra/resources.json (the
tables), infra/template.json (event bus, dead-letter queues, event-source overrides)
and what follows from the stage in .chalice/config.json: the bus name and, on every
function, the table names, the bus, the WebSocket endpoint and a function name its
log group can be named after. The two functions that check tokens are also told the
SSM parameter holding the token secret (a template parameter, by default
/edit-sessions/STAGE/jwt-secret).

Writes DIR/sam.json and DIR/deployment.zip (default build/STAGE). No AWS account is
needed: chalice reads only botocore's endpoint data, never calls AWS.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from py_compile import PycInvalidationMode
from typing import Any

from chalice.config import Config
from chalice.package import TemplateDeepMerger
from chalice.utils import to_cfn_resource_name

from chalicelib.settings import TABLE_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
WORKFLOWS = ROOT / "workflows"

# Chalice's function names, and the logical ids chalice gives them in sam.json.
FUNCTIONS = {
    "api_handler": "APIHandler",
    "websocket_connect": "WebsocketConnect",
    "websocket_message": "WebsocketMessage",
    "websocket_disconnect": "WebsocketDisconnect",
    "outbox_consumer": "OutboxConsumer",
    "sweep": "Sweep",
    "auto_release": "AutoRelease",
}
# Not in .chalice/config.json: the local stack applies the stage's variables (and
# chalice's default function's) and would then read the secret from SSM.
SECRET_SETTING = "AUTH_JWT_SECRET_PARAMETER"
SECRET_READERS = ("api_handler", "websocket_connect")


def stage_config(stage: str) -> Config:
    from_disk = json.loads((ROOT / ".chalice" / "config.json").read_text("utf-8"))
    if stage not in from_disk.get("stages", {}):
        raise SystemExit(f"no stage {stage!r} in .chalice/config.json")
    return Config(chalice_stage=stage, config_from_disk=from_disk,
                  default_params={"project_dir": str(ROOT)})


def log_group_id(function: str) -> str:
    """The logical id chalice gives a function's log group."""
    return to_cfn_resource_name(f"{function}-log-group")


def shared_environment(config: Config) -> dict[str, Any]:
    """Settings only CloudFormation knows; every function gets all of them."""
    env: dict[str, Any] = {setting.upper(): {"Ref": logical_id}
                           for logical_id, setting in TABLE_SETTINGS.items()}
    env["EVENT_BUS_NAME"] = {"Ref": "EditSessionsBus"}
    # The stage is named, not referenced: the stage depends on the routes and they
    # on the functions, so a Ref from a function would be a dependency cycle.
    env["WEBSOCKET_ENDPOINT"] = {"Fn::Sub": (
        "https://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
        + config.api_gateway_stage)}
    return env


def function_overrides(config: Config, function: str) -> dict[str, Any]:
    env = shared_environment(config)
    if function in SECRET_READERS:
        env[SECRET_SETTING] = {"Ref": "JwtSecretParameter"}
    # A known name lets the log group, and so the role's logs statement, be named
    # without a reference to the function, which would be a cycle through the role.
    name = {"Fn::Sub": "${AWS::StackName}-" + function}
    return {"Properties": {"FunctionName": name, "Environment": {"Variables": env}}}


def log_group_override(function: str) -> dict[str, Any]:
    name = {"Fn::Sub": "/aws/lambda/${AWS::StackName}-" + function}
    return {"Properties": {"LogGroupName": name}}


def _load(name: str) -> dict[str, Any]:
    return json.loads((INFRA / name).read_text("utf-8"))


def _stage_values(config: Config, template: dict[str, Any]) -> None:
    bus = template["Resources"]["EditSessionsBus"]["Properties"]
    bus["Name"] = config.environment_variables["EVENT_BUS_NAME"]
    parameter = template["Parameters"]["JwtSecretParameter"]
    parameter["Default"] = f"/edit-sessions/{config.chalice_stage}/jwt-secret"


def merge_template(config: Config) -> dict[str, Any]:
    template = _load("resources.json")
    extra = _load("template.json")
    template["Resources"].update(extra.pop("Resources"))
    template.update(extra)
    _stage_values(config, template)

    resources, merger = template["Resources"], TemplateDeepMerger()
    for function, logical_id in FUNCTIONS.items():
        own = resources.get(logical_id, {})
        resources[logical_id] = merger.merge(function_overrides(config, function), own)
        resources[log_group_id(function)] = log_group_override(function)
    return template


def chalice_environment() -> dict[str, str]:
    """botocore wants a region and credentials to exist, not to work; nothing of a
    developer's own AWS setup may leak into the package."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("OUTBOX_STREAM_ARN", None)
    env.update(
        AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        AWS_ACCESS_KEY_ID="packaging-only", AWS_SECRET_ACCESS_KEY="packaging-only",
        AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def run_chalice(stage: str, merge_file: Path, out: Path) -> None:
    chalice = Path(sys.executable).with_name("chalice")
    command = [str(chalice), "--project-dir", str(ROOT), "package",
               "--stage", stage, "--pkg-format", "cloudformation",
               "--template-format", "json", "--merge-template", str(merge_file),
               str(out)]
    subprocess.run(command, check=True, cwd=ROOT, env=chalice_environment())


def add_workflows(bundle: Path) -> None:
    """Chalice bundles app.py, chalicelib/ and vendor/ only, but the service loads
    its workflow definitions from workflows/ beside them at start."""
    with zipfile.ZipFile(bundle, "a", zipfile.ZIP_DEFLATED) as archive:
        present = set(archive.namelist())
        for path in sorted(WORKFLOWS.glob("*.y*ml")):
            name = f"workflows/{path.name}"
            if name not in present:
                archive.write(path, name)


def add_bytecode(bundle: Path) -> None:
    """Lambda's file system is read-only, so Python cannot cache bytecode there:
    without .pyc files in the bundle, every cold start compiles each module it
    imports (app, chalicelib and the vendored libraries). Hash-based .pyc files,
    because chalice stamps every file in the zip with the same date; any
    __pycache__ chalice copied from the project is dropped. Chalice picks the Lambda
    runtime from this Python's version, so the cache tag matches."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "bundle"
        with zipfile.ZipFile(bundle) as archive:
            kept = [i for i in archive.infolist() if "__pycache__/" not in i.filename]
            archive.extractall(root, members=kept)
        compileall.compile_dir(root, quiet=2, workers=0,
                               invalidation_mode=PycInvalidationMode.UNCHECKED_HASH)
        rebuilt = Path(scratch) / "deployment.zip"
        with zipfile.ZipFile(bundle) as source, \
                zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
            for info in kept:
                target.writestr(info, source.read(info))
            for path in sorted(root.rglob("*.pyc")):
                target.write(path, path.relative_to(root).as_posix())
        shutil.move(rebuilt, bundle)


def _fresh(out: Path) -> None:
    """Empty a previous package folder; refuse to empty any other folder."""
    if out.exists() and any(out.iterdir()) and not (out / "sam.json").exists():
        raise SystemExit(f"{out} is not empty and holds no sam.json: not emptying it")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)


def package(stage: str, out: Path) -> Path:
    """Build `out` afresh; return the path of the packaged template."""
    config = stage_config(stage)
    _fresh(out)
    merge_file = out / "merge-template.json"
    merge_file.write_text(json.dumps(merge_template(config), indent=2), "utf-8")

    run_chalice(stage, merge_file, out)
    add_workflows(out / "deployment.zip")
    add_bytecode(out / "deployment.zip")
    return out / "sam.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.package",
                                     description="Package the service for AWS.")
    parser.add_argument("--stage", required=True, help="a stage of .chalice/config.json")
    parser.add_argument("--out", type=Path, help="output folder (default build/STAGE)")
    args = parser.parse_args(argv)
    print(package(args.stage, args.out or ROOT / "build" / args.stage))
    return 0


if __name__ == "__main__":
    sys.exit(main())
