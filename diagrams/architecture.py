"""Draws diagrams/architecture.png, the picture at the top of the README, from infra/'s templates.

    .venv/bin/python diagrams/architecture.py [OUTPUT]      (`make diagram`)

Each resource is labelled with its logical ID and found by how the templates wire it, not by its name: the
worker is the function with an SQS event, the jobs queue is that event's queue, the DLQ is the queue's redrive
target, the jobs table is the table the worker imports, and so on. Renaming a resource renames it in the
picture; a template that no longer wires what the picture shows stops the script, saying what it looked for.
Every other table, queue, bucket or function of a stack (the core stack's files bucket, say) is drawn too,
linked to the functions whose properties or role import it.

The PNG carries the graph it was drawn from: graphviz's DOT source (icon paths relative to the `diagrams`
package, so that it is the same on every machine) in a zTXt chunk, and its SHA-256 in a tEXt chunk.
tests/docs/test_architecture_diagram.py redraws the graph and compares, which fonts and graphviz versions
cannot upset as comparing pixels would.

This folder has no __init__.py on purpose: a package named `diagrams` here would hide the library.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import struct
import sys
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import diagrams  # type: ignore[import-untyped]
from conveyor_local.templates import Template, load_template, stack_name
from diagrams import Cluster, Diagram, Edge
from diagrams.aws.compute import LambdaFunction  # type: ignore[import-untyped]
from diagrams.aws.database import DynamodbTable  # type: ignore[import-untyped]
from diagrams.aws.integration import (  # type: ignore[import-untyped]
    EventbridgeRule,
    EventbridgeScheduler,
    SimpleQueueServiceSqsQueue,
)
from diagrams.aws.management import Cloudwatch, CloudwatchAlarm  # type: ignore[import-untyped]
from diagrams.aws.network import APIGateway, CloudFront  # type: ignore[import-untyped]
from diagrams.aws.storage import SimpleStorageServiceS3Bucket  # type: ignore[import-untyped]
from diagrams.onprem.client import Client  # type: ignore[import-untyped]
from diagrams.programming.language import Bash  # type: ignore[import-untyped]

DEFAULT_OUTPUT = Path(__file__).resolve().with_name("architecture.png")
STACKS = ("core", "worker", "api", "frontend")

# The keywords of the PNG's text chunks (tEXt and zTXt, PNG specification 11.3.4).
DOT_SHA256_KEYWORD = "Conveyor-DOT-SHA256"
DOT_KEYWORD = "Conveyor-DOT"

# The resource types the picture draws, each with its icon; a stack's alarms share one node.
ICONS: dict[str, Any] = {
    "AWS::Serverless::HttpApi": APIGateway,
    "AWS::ApiGatewayV2::Api": APIGateway,
    "AWS::Serverless::Function": LambdaFunction,
    "AWS::Lambda::Function": LambdaFunction,
    "AWS::SQS::Queue": SimpleQueueServiceSqsQueue,
    "AWS::DynamoDB::Table": DynamodbTable,
    "AWS::S3::Bucket": SimpleStorageServiceS3Bucket,
    "AWS::CloudFront::Distribution": CloudFront,
    "AWS::CloudWatch::Dashboard": Cloudwatch,
}
ALARM = "AWS::CloudWatch::Alarm"
FUNCTIONS = ("AWS::Serverless::Function", "AWS::Lambda::Function")
TABLE = "AWS::DynamoDB::Table"
SCHEDULE_ICONS: dict[str, Any] = {"Schedule": EventbridgeRule, "ScheduleV2": EventbridgeScheduler}

# The core stack exports `${AWS::StackName}-<Name>`; the others import it as `${CoreStackName}-<Name>`.
EXPORT_NAME = re.compile(r"\$\{AWS::StackName\}-(?P<name>.+)")
IMPORT_NAME = re.compile(r"\$\{CoreStackName\}-(?P<name>.+)")

# Ranks from the core stack's tables and queue to the worker's functions: past the DLQ and the core's alarms,
# so that the worker stack sits right of the core stack rather than under it.
CORE_TO_WORKER_RANKS = 3


class TemplateWiringError(LookupError):
    """The templates no longer wire a part of the system the picture shows."""


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    icon: Any
    stack: str | None = None  # None: outside every stack's cluster


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    label: str = ""
    style: str = "solid"
    # Laid out from target to source, arrow reversed, so that the target sits left of the source: the worker
    # stack's functions, drawn right of the core stack, write back into it.
    backwards: bool = False


@dataclass
class Picture:
    """What the diagram shows, in drawing order; a link between two nodes is drawn once, the first given."""

    clusters: dict[str, str]
    nodes: list[Node] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def link(self, source: str, target: str, label: str = "", *, backwards: bool = False) -> None:
        if not any(known.source == source and known.target == target for known in self.links):
            self.links.append(Link(source, target, label, backwards=backwards))

    def watch(self, source: str, alarms: str) -> None:
        if not any(known.source == source and known.target == alarms for known in self.links):
            self.links.append(Link(source, alarms, style="dotted"))


def node_id(stack: str, logical_id: str) -> str:
    return f"{stack}.{logical_id}"


# --------------------------------------------------------------------------------------------- the templates


def _resources(template: Template, *types: str) -> list[str]:
    return [logical_id for logical_id, resource in template["Resources"].items() if resource["Type"] in types]


def _one(found: list[str], stack: str, what: str) -> str:
    if len(found) != 1:
        raise TemplateWiringError(
            f"infra/{stack}/template.yaml: expected exactly one {what}, found {', '.join(found) or 'none'}"
        )
    return found[0]


def _target(value: Any) -> str | None:
    """The logical ID a `Ref` or an `Fn::GetAtt` names, if `value` is one."""
    if isinstance(value, dict) and len(value) == 1:
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            attribute = value["Fn::GetAtt"]
            return str(attribute[0] if isinstance(attribute, list) else attribute.split(".")[0])
    return None


def _imports(value: Any) -> Iterator[str]:
    """The names of the core exports `value` imports, wherever they are nested, in document order."""
    if isinstance(value, dict):
        imported = value.get("Fn::ImportValue")
        name = imported.get("Fn::Sub") if isinstance(imported, dict) else None
        if isinstance(name, str) and (match := IMPORT_NAME.fullmatch(name)):
            yield match["name"]
        for item in value.values():
            yield from _imports(item)
    elif isinstance(value, list):
        for item in value:
            yield from _imports(item)


def _exported_resources(core: Template) -> dict[str, str]:
    """The core resource each export names, by export name: {"JobsTableArn": "JobsTable", ...}."""
    exported = {}
    for output in core.get("Outputs", {}).values():
        name = output.get("Export", {}).get("Name")
        match = EXPORT_NAME.fullmatch(name.get("Fn::Sub", "")) if isinstance(name, dict) else None
        target = _target(output["Value"])
        if match and target is not None and target in core["Resources"]:
            exported[match["name"]] = target
    return exported


def _core_resources_used(template: Template, function: str, exports: Mapping[str, str]) -> list[str]:
    """The core resources a function's properties or its role import, in the order the template names them."""
    properties = template["Resources"][function].get("Properties", {})
    role = _target(properties.get("Role"))
    role_properties = template["Resources"][role].get("Properties", {}) if role else {}
    used = [exports[name] for name in _imports([properties, role_properties]) if name in exports]
    return list(dict.fromkeys(used))


def _function_with_event(
    template: Template, stack: str, *event_types: str
) -> tuple[str, str, dict[str, Any]]:
    """The one function of `stack` with an event of one of `event_types`: (function, event name, event)."""
    found = [
        (function, name, event)
        for function in _resources(template, *FUNCTIONS)
        for name, event in template["Resources"][function].get("Properties", {}).get("Events", {}).items()
        if event["Type"] in event_types
    ]
    _one([function for function, _, _ in found], stack, f"function with a {' or '.join(event_types)} event")
    return found[0]


def _must_use(stack: str, function: str, used: list[str], *wired: str) -> None:
    for resource in wired:
        if resource not in used:
            raise TemplateWiringError(
                f"infra/{stack}/template.yaml: {function} imports nothing of core's {resource}"
            )


def _default(template: Template, value: Any) -> Any:
    """A literal as it is; a `Ref` to a parameter as the parameter's default."""
    target = _target(value)
    parameters = template.get("Parameters", {})
    return parameters[target]["Default"] if target in parameters else value


def _schedule_words(expression: str) -> str:
    """`rate(1 minute)` is "every minute", `rate(5 minutes)` "every 5 minutes"; others stay as written."""
    match = re.fullmatch(r"rate\((?P<count>\d+) (?P<unit>\w+?)s?\)", expression)
    if not match:
        return expression
    if match["count"] == "1":
        return f"every {match['unit']}"
    return f"every {match['count']} {match['unit']}s"


# ---------------------------------------------------------------------------------------------- the wiring


@dataclass(frozen=True)
class Wiring:
    """The logical IDs of the parts the picture's flows join, found through how the templates wire them."""

    distribution: str
    site_bucket: str
    http_api: str
    api: str
    worker: str
    sweeper: str
    schedule: str  # the sweeper's event
    schedule_type: str
    schedule_expression: str
    queue: str
    dlq: str
    jobs_table: str
    idempotency_table: str
    batch_size: Any
    max_receive_count: Any
    uses: dict[str, list[str]]  # by function: the core resources it imports


def _frontend_wiring(frontend: Template) -> tuple[str, str]:
    distribution = _one(_resources(frontend, "AWS::CloudFront::Distribution"), "frontend", "distribution")
    origins = frontend["Resources"][distribution]["Properties"]["DistributionConfig"]["Origins"]
    buckets = _resources(frontend, "AWS::S3::Bucket")
    # An origin under a condition (the API's, Fn::If) is not the site bucket's.
    site_bucket = _one(
        [
            bucket
            for origin in origins
            if "DomainName" in origin and (bucket := _target(origin["DomainName"])) in buckets
        ],
        "frontend",
        f"S3 bucket as an origin of {distribution}",
    )
    return distribution, site_bucket


def wiring(templates: Mapping[str, Template]) -> Wiring:
    core, worker_template, api_template = templates["core"], templates["worker"], templates["api"]
    exports = _exported_resources(core)
    tables = _resources(core, TABLE)

    worker, _, delivery = _function_with_event(worker_template, "worker", "SQS")
    queues = {exports[name] for name in _imports(delivery["Properties"]["Queue"]) if name in exports}
    queue = _one(sorted(queues), "worker", f"core queue imported by {worker}'s SQS event")
    worker_uses = _core_resources_used(worker_template, worker, exports)
    jobs_table = _one([r for r in worker_uses if r in tables], "worker", f"core table {worker} imports")
    redrive = core["Resources"][queue]["Properties"].get("RedrivePolicy", {})
    dlq = _target(redrive.get("deadLetterTargetArn"))
    if dlq is None or dlq not in core["Resources"]:
        raise TemplateWiringError(f"infra/core/template.yaml: {queue} has no RedrivePolicy naming its DLQ")

    sweeper, schedule, schedule_event = _function_with_event(worker_template, "worker", *SCHEDULE_ICONS)
    sweeper_uses = _core_resources_used(worker_template, sweeper, exports)
    _must_use("worker", sweeper, sweeper_uses, jobs_table, queue)

    api, _, request = _function_with_event(api_template, "api", "HttpApi")
    http_api = _target(request.get("Properties", {}).get("ApiId"))
    if http_api is None or http_api not in api_template["Resources"]:
        raise TemplateWiringError(
            f"infra/api/template.yaml: {api}'s HttpApi event names no ApiId of the stack"
        )
    api_uses = _core_resources_used(api_template, api, exports)
    _must_use("api", api, api_uses, jobs_table, queue)
    idempotency_table = _one(
        [r for r in api_uses if r in tables and r != jobs_table],
        "api",
        f"core table {api} imports besides {jobs_table}",
    )

    distribution, site_bucket = _frontend_wiring(templates["frontend"])
    return Wiring(
        distribution=distribution,
        site_bucket=site_bucket,
        http_api=http_api,
        api=api,
        worker=worker,
        sweeper=sweeper,
        schedule=schedule,
        schedule_type=schedule_event["Type"],
        schedule_expression=schedule_event["Properties"]["Schedule"],
        queue=queue,
        dlq=dlq,
        jobs_table=jobs_table,
        idempotency_table=idempotency_table,
        batch_size=_default(worker_template, delivery["Properties"].get("BatchSize", 10)),
        max_receive_count=_default(core, redrive["maxReceiveCount"]),
        uses={api: api_uses, worker: worker_uses, sweeper: sweeper_uses},
    )


# ----------------------------------------------------------------------------------------------- the picture


def _resource_nodes(picture: Picture, templates: Mapping[str, Template]) -> None:
    for stack in STACKS:
        template = templates[stack]
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] in ICONS:
                icon = ICONS[resource["Type"]]
                picture.nodes.append(Node(node_id(stack, logical_id), logical_id, icon, stack))
        if alarms := _resources(template, ALARM):
            picture.nodes.append(Node(node_id(stack, "alarms"), "\n".join(alarms), CloudwatchAlarm, stack))


def _flows(picture: Picture, wired: Wiring) -> None:
    """The main flows, labelled; then a plain link from each function to any other core resource it uses."""
    core = {
        r: node_id("core", r) for r in (wired.queue, wired.dlq, wired.jobs_table, wired.idempotency_table)
    }
    distribution, site_bucket = (
        node_id("frontend", wired.distribution),
        node_id("frontend", wired.site_bucket),
    )
    http_api, api = node_id("api", wired.http_api), node_id("api", wired.api)
    worker, sweeper = node_id("worker", wired.worker), node_id("worker", wired.sweeper)
    schedule, queue, jobs_table = node_id("worker", wired.schedule), core[wired.queue], core[wired.jobs_table]

    picture.link("browser", distribution, "the page")
    picture.link(distribution, site_bucket, "Origin Access Control")
    picture.link("browser", http_api, "POST /jobs\nGET /jobs/{id}")
    picture.link("cli", http_api, "POST /jobs")
    picture.link(http_api, api)
    picture.link(api, queue, "1. SendMessage")
    picture.link(api, jobs_table, "2. PutItem (QUEUED)")
    picture.link(api, core[wired.idempotency_table], "Idempotency-Key")
    picture.link(queue, worker, f"batches of {wired.batch_size}")
    picture.link(worker, jobs_table, "claim (conditional write)", backwards=True)
    picture.link(queue, core[wired.dlq], f"after {wired.max_receive_count} receives")
    picture.link(schedule, sweeper, _schedule_words(wired.schedule_expression), backwards=True)
    picture.link(
        sweeper, jobs_table, "watched jobs (sparse index),\nexpired messages (a scan segment)", backwards=True
    )
    picture.link(sweeper, queue, "re-send lost messages", backwards=True)
    picture.link(sweeper, core[wired.dlq], "pending jobs' dead messages", backwards=True)
    for function, stack in ((wired.api, "api"), (wired.worker, "worker"), (wired.sweeper, "worker")):
        for resource in wired.uses[function]:
            if function == wired.worker and resource == wired.queue:
                continue  # its event source mapping, drawn the other way
            picture.link(node_id(stack, function), node_id("core", resource), backwards=stack == "worker")


def _alarm_links(picture: Picture, templates: Mapping[str, Template]) -> None:
    """A dotted link from each resource an alarm watches (a dimension names it) to its stack's alarms."""
    drawn = {node.id for node in picture.nodes}
    for stack in STACKS:
        template = templates[stack]
        for alarm in _resources(template, ALARM):
            for dimension in template["Resources"][alarm]["Properties"].get("Dimensions", []):
                watched = _target(dimension["Value"])
                if watched is not None and node_id(stack, watched) in drawn:
                    picture.watch(node_id(stack, watched), node_id(stack, "alarms"))


def picture_of(templates: Mapping[str, Template], stack_names: Mapping[str, str]) -> Picture:
    picture = Picture(clusters={stack: f"{stack} stack ({stack_names[stack]})" for stack in STACKS})
    picture.nodes.append(Node("browser", "demo page\n(browser)", Client))
    picture.nodes.append(Node("cli", "curl, any\nHTTP client", Bash))
    _resource_nodes(picture, templates)
    wired = wiring(templates)
    picture.nodes.append(
        Node(node_id("worker", wired.schedule), wired.schedule, SCHEDULE_ICONS[wired.schedule_type], "worker")
    )
    _flows(picture, wired)
    _alarm_links(picture, templates)
    return picture


# ------------------------------------------------------------------------------------------------- rendering


def _icons_root() -> str:
    """The folder the icons' paths start with (an icon node's `image`), with a trailing separator."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(diagrams.__file__))), "")


def portable(dot_source: str) -> str:
    """The DOT source as on any machine: icon paths relative to the folder holding the `diagrams` package."""
    return dot_source.replace(_icons_root(), "")


def dot_sha256(dot_source: str) -> str:
    return hashlib.sha256(dot_source.encode()).hexdigest()


def draw(picture: Picture, output: Path) -> str:
    """Renders `picture` into the PNG `output`, stamped with its portable DOT source, which it returns."""
    stacks = {node.id: node.stack for node in picture.nodes}
    with tempfile.TemporaryDirectory() as scratch:
        with Diagram(
            "Conveyor",
            filename=str(Path(scratch) / "architecture"),
            direction="LR",
            outformat="png",
            show=False,
            graph_attr={
                "pad": "1.0",
                "nodesep": "0.5",
                "ranksep": "1.3",
                "splines": "spline",
                "fontsize": "20",
            },
        ) as diagram:
            drawn: dict[str, Any] = {}
            for stack, label in picture.clusters.items():
                with Cluster(label, graph_attr={"fontsize": "15", "margin": "28"}):
                    for node in picture.nodes:
                        if node.stack == stack:
                            drawn[node.id] = node.icon(node.label, nodeid=node.id)
            for node in picture.nodes:
                if node.stack is None:
                    drawn[node.id] = node.icon(node.label, nodeid=node.id)
            for link in picture.links:
                between = {stacks[link.source], stacks[link.target]}
                edge = Edge(
                    label=link.label,
                    style=link.style,
                    forward=not link.backwards,
                    reverse=link.backwards,
                    minlen=str(CORE_TO_WORKER_RANKS if between == {"core", "worker"} else 1),
                )
                first, second = (link.target, link.source) if link.backwards else (link.source, link.target)
                drawn[first].connect(drawn[second], edge)
        source = portable(str(diagram.dot))
        output.write_bytes(_stamped((Path(scratch) / "architecture.png").read_bytes(), source))
    return source


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _stamped(png: bytes, dot_source: str) -> bytes:
    """`png` with the DOT source's SHA-256 (tEXt) and the source (zTXt) just before IEND, its last chunk."""
    iend = png.rindex(b"IEND") - 4  # the chunk starts with its length
    digest = _chunk(b"tEXt", DOT_SHA256_KEYWORD.encode("latin-1") + b"\0" + dot_sha256(dot_source).encode())
    source = _chunk(b"zTXt", DOT_KEYWORD.encode("latin-1") + b"\0\0" + zlib.compress(dot_source.encode(), 9))
    return png[:iend] + digest + source + png[iend:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw Conveyor's architecture from infra/'s templates.")
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT, help="the PNG to write")
    arguments = parser.parse_args(argv)
    templates = {stack: load_template(stack) for stack in STACKS}
    try:
        picture = picture_of(templates, {stack: stack_name(stack) for stack in STACKS})
    except TemplateWiringError as error:
        print(f"diagrams/architecture.py: cannot draw the architecture: {error}", file=sys.stderr)
        return 1
    source = draw(picture, arguments.output)
    print(f"{arguments.output}: {len(picture.nodes)} nodes, {len(picture.links)} links")
    print(f"SHA-256 of its DOT source: {dot_sha256(source)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
