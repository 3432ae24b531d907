"""diagrams/architecture.png, the README's picture, is drawn from infra/'s templates as they are now.

Pixels depend on fonts and graphviz's version, so the picture is compared by the graph it was drawn from: the
script stamps its DOT source and that source's SHA-256 into the PNG, and these tests redraw it and compare.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import json
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.infra.templates import INFRA, STACKS, Template, load_template, resources_of_type

REPO_ROOT = INFRA.parent
SCRIPT = REPO_ROOT / "diagrams" / "architecture.py"
COMMITTED = REPO_ROOT / "diagrams" / "architecture.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DOT_SHA256_KEYWORD = "Conveyor-DOT-SHA256"
DOT_KEYWORD = "Conveyor-DOT"

# Every resource of these types, in every stack, is a node of the picture labelled with its logical ID.
SHOWN_TYPES = (
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::Function",
    "AWS::SQS::Queue",
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::CloudFront::Distribution",
    "AWS::CloudWatch::Dashboard",
    "AWS::CloudWatch::Alarm",
)
# A node statement of the DOT source: `"core.JobsTable" [label=JobsTable ...`, `... [label="two\nlines" ...`.
NODE_LABEL = re.compile(r'^\s*"[^"]+" \[label=(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s\]]+))', re.MULTILINE)


def _chunks(png: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Each chunk of a PNG as (type, data), its CRC checked."""
    assert png.startswith(PNG_SIGNATURE), "not a PNG"
    offset = len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data), f"{kind!r} chunk at byte {offset}: bad CRC"
        yield kind, data
        offset += 12 + length


def _stamp(png: bytes) -> tuple[str, str]:
    """The (SHA-256, DOT source) the script stamped into a PNG."""
    texts: dict[str, str] = {}
    for kind, data in _chunks(png):
        keyword, _, value = data.partition(b"\0")
        if kind == b"tEXt":
            texts[keyword.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            assert value[0] == 0, "zTXt compression method must be 0 (zlib)"
            texts[keyword.decode("latin-1")] = zlib.decompress(value[1:]).decode()
    return texts[DOT_SHA256_KEYWORD], texts[DOT_KEYWORD]


def _labels(dot_source: str) -> set[str]:
    """Every line of every node's label."""
    return {
        line
        for match in NODE_LABEL.finditer(dot_source)
        for line in (match["quoted"] if match["quoted"] is not None else match["bare"]).splitlines()
    }


def _architecture_module() -> ModuleType:
    """diagrams/architecture.py, imported by path: it is a script, not a package's module."""
    spec = importlib.util.spec_from_file_location("conveyor_architecture_diagram", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def architecture() -> ModuleType:
    return _architecture_module()


@pytest.fixture(scope="module")
def redrawn(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The picture as `make diagram` draws it now, through the script's own command line."""
    output = tmp_path_factory.mktemp("diagram") / "architecture.png"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(output)], capture_output=True, text=True, cwd=REPO_ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    return output.read_bytes()


@pytest.fixture(scope="module")
def templates() -> dict[str, Template]:
    return {stack: load_template(stack) for stack in STACKS}


def test_committed_picture_is_drawn_from_the_current_templates(redrawn: bytes) -> None:
    committed_sha256, committed_source = _stamp(COMMITTED.read_bytes())
    redrawn_sha256, redrawn_source = _stamp(redrawn)

    difference = "\n".join(
        difflib.unified_diff(
            committed_source.splitlines(), redrawn_source.splitlines(), "committed", "redrawn", lineterm=""
        )
    )
    assert committed_sha256 == redrawn_sha256, (
        "diagrams/architecture.png is not drawn from infra/'s templates as they are now: run `make diagram` "
        f"and commit the picture. Its graph changes so:\n{difference}"
    )


@pytest.mark.parametrize("picture", ["committed", "redrawn"])
def test_stamp_is_the_sha256_of_the_stamped_source(picture: str, redrawn: bytes) -> None:
    sha256, source = _stamp(COMMITTED.read_bytes() if picture == "committed" else redrawn)

    assert sha256 == hashlib.sha256(source.encode()).hexdigest()


def test_picture_shows_every_resource_of_the_shown_types(
    redrawn: bytes, templates: dict[str, Template]
) -> None:
    labels = _labels(_stamp(redrawn)[1])

    missing = [
        f"infra/{stack}: {logical_id}"
        for stack in STACKS
        for resource_type in SHOWN_TYPES
        for logical_id, _ in resources_of_type(templates[stack], resource_type)
        if logical_id not in labels
    ]

    assert missing == []
    assert {"JobsTable", "JobsQueue", "WorkerFunction", "SweeperFunction", "HttpApi", "SiteBucket"} <= labels


def test_redrawn_picture_is_a_whole_png(redrawn: bytes) -> None:
    chunks = list(_chunks(redrawn))
    header = chunks[0][1]
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    pixels = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))

    assert chunks[0][0] == b"IHDR"
    assert chunks[-1][0] == b"IEND"
    assert width > 1000
    assert height > 500
    # Each row: a filter byte, then its pixels.
    assert len(pixels) == height * (1 + (width * channels * depth + 7) // 8)


def _renamed(template: Template, old: str, new: str) -> Template:
    """The template with a logical ID renamed wherever it is named whole (the key, Ref, GetAtt)."""
    renamed: Template = json.loads(json.dumps(template).replace(f'"{old}"', f'"{new}"'))
    return renamed


def test_renaming_the_jobs_table_changes_the_picture(
    architecture: ModuleType, templates: dict[str, Template], redrawn: bytes, tmp_path: Path
) -> None:
    renamed = {**templates, "core": _renamed(templates["core"], "JobsTable", "JobLedger")}
    stack_names = {stack: f"conveyor-{stack}" for stack in STACKS}

    source = architecture.draw(architecture.picture_of(renamed, stack_names), tmp_path / "renamed.png")

    assert "JobLedger" in _labels(source)
    assert "JobsTable" not in _labels(source)
    assert hashlib.sha256(source.encode()).hexdigest() != _stamp(redrawn)[0]


def test_another_core_bucket_is_drawn_with_the_functions_that_import_it(
    architecture: ModuleType, templates: dict[str, Template]
) -> None:
    core: Template = json.loads(json.dumps(templates["core"]))
    core["Resources"]["ReportsBucket"] = {"Type": "AWS::S3::Bucket", "Properties": {}}
    core["Outputs"]["ReportsBucketName"] = {
        "Value": {"Ref": "ReportsBucket"},
        "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-ReportsBucketName"}},
    }
    worker: Template = json.loads(json.dumps(templates["worker"]))
    environment = worker["Resources"]["WorkerFunction"]["Properties"]["Environment"]["Variables"]
    environment["REPORTS_BUCKET"] = {"Fn::ImportValue": {"Fn::Sub": "${CoreStackName}-ReportsBucketName"}}
    stack_names = {stack: f"conveyor-{stack}" for stack in STACKS}

    picture = architecture.picture_of({**templates, "core": core, "worker": worker}, stack_names)

    assert any(node.id == "core.ReportsBucket" and node.stack == "core" for node in picture.nodes)
    links = {(link.source, link.target) for link in picture.links}
    assert ("worker.WorkerFunction", "core.ReportsBucket") in links


def test_a_template_that_no_longer_wires_the_worker_stops_the_drawing(
    architecture: ModuleType, templates: dict[str, Template]
) -> None:
    worker: Template = json.loads(json.dumps(templates["worker"]))
    del worker["Resources"]["WorkerFunction"]["Properties"]["Events"]
    stack_names: dict[str, Any] = {stack: f"conveyor-{stack}" for stack in STACKS}

    with pytest.raises(architecture.TemplateWiringError, match=r"infra/worker/template\.yaml: .*SQS event"):
        architecture.picture_of({**templates, "worker": worker}, stack_names)
