"""Discovery rules: one module per contract job type, and nothing else."""

import importlib
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conveyor_worker import job_types as job_types_package
from conveyor_worker.contract import load_contract
from conveyor_worker.job_types import (
    JobTypeRegistryError,
    build_registry,
    discover_job_functions,
    image_resize,
)
from conveyor_worker.job_types.context import JobContext

CONTRACT_CATALOGUE = Path(__file__).parents[3] / "contracts" / "v1" / "job-type.schema.json"

JOB_MODULE = 'JOB_TYPE = "{name}"\n\n\ndef run(payload, job):\n    return {{}}\n'

PackageFactory = Callable[[dict[str, str]], ModuleType]


@pytest.fixture
def job_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PackageFactory:
    """Builds an importable package of job modules, given each module's source by file name."""

    def build(modules: dict[str, str]) -> ModuleType:
        name = f"job_types_{uuid.uuid4().hex[:8]}"
        folder = tmp_path / name
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        for module_name, source in modules.items():
            (folder / f"{module_name}.py").write_text(source)
        monkeypatch.syspath_prepend(str(tmp_path))
        return importlib.import_module(name)

    return build


def contract_modules(**extra: str) -> dict[str, str]:
    modules = {name: JOB_MODULE.format(name=name) for name in load_contract().job_types}
    support = {"context": "class Unrelated: pass\n", "errors": "class Unrelated(Exception): pass\n"}
    return {**modules, **support, "_helpers": "X = 1\n", **extra}


def test_the_shipped_job_modules_match_the_contract_one_to_one() -> None:
    registry = build_registry(load_contract(), discover_job_functions(job_types_package))

    assert (
        sorted(registry)
        == sorted(load_contract().job_types)
        == [
            "data_analysis",
            "image_resize",
            "send_email",
            "text_transform",
        ]
    )


def test_support_and_private_modules_are_not_job_types(job_package: PackageFactory) -> None:
    package = job_package(contract_modules())

    assert sorted(discover_job_functions(package)) == [
        "data_analysis",
        "image_resize",
        "send_email",
        "text_transform",
    ]


def test_a_module_without_a_schema_pair_in_the_contract_stops_the_worker(job_package: PackageFactory) -> None:
    package = job_package(contract_modules(video_transcode=JOB_MODULE.format(name="video_transcode")))

    with pytest.raises(JobTypeRegistryError, match=r"job_types/video_transcode\.py has no schema pair"):
        build_registry(load_contract(), discover_job_functions(package))


def test_a_contract_job_type_without_a_module_stops_the_worker(job_package: PackageFactory) -> None:
    modules = contract_modules()
    del modules["data_analysis"]
    package = job_package(modules)

    with pytest.raises(JobTypeRegistryError, match="'data_analysis' has no module"):
        build_registry(load_contract(), discover_job_functions(package))


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        (
            'JOB_TYPE = "text_transform"\n\n\ndef run(payload, job):\n    return {}\n',
            "must declare JOB_TYPE = 'extra'",
        ),
        ("def run(payload, job):\n    return {}\n", "must declare JOB_TYPE"),
        ('JOB_TYPE = "extra"\n', "must define run"),
    ],
    ids=["wrong-name", "no-name", "no-run"],
)
def test_a_module_that_does_not_declare_itself_properly_stops_the_worker(
    job_package: PackageFactory, source: str, complaint: str
) -> None:
    package = job_package(contract_modules(extra=source))

    with pytest.raises(JobTypeRegistryError, match=complaint):
        discover_job_functions(package)


def test_overrides_replace_discovered_functions_by_name() -> None:
    def replacement(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        return {}

    registry = build_registry(
        load_contract(), discover_job_functions(job_types_package), {"text_transform": replacement}
    )

    assert registry["text_transform"].run is replacement
    assert registry["data_analysis"].run is not replacement


def test_an_override_for_a_type_outside_the_contract_is_refused() -> None:
    def replacement(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        return {}

    with pytest.raises(JobTypeRegistryError, match="override 'video_transcode'"):
        build_registry(
            load_contract(), discover_job_functions(job_types_package), {"video_transcode": replacement}
        )


def test_each_job_type_takes_its_time_budget_from_the_contracts_declaration() -> None:
    registry = build_registry(load_contract(), discover_job_functions(job_types_package))

    declared = json.loads(CONTRACT_CATALOGUE.read_text())["x-time-budget-seconds"]
    assert {name: job_type.budget for name, job_type in registry.items()} == {
        name: timedelta(seconds=seconds) for name, seconds in declared.items()
    }
    # The image's child may take its whole wall-clock bound, and the source and result cross S3 around it.
    assert timedelta(seconds=image_resize.BUDGET.wall_seconds) < registry["image_resize"].budget


def test_an_override_keeps_the_time_budget_of_its_job_type() -> None:
    def replacement(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
        return {}

    contract = load_contract()
    registry = build_registry(
        contract, discover_job_functions(job_types_package), {"text_transform": replacement}
    )

    assert (registry["text_transform"].run, registry["text_transform"].budget) == (
        replacement,
        contract.job_types["text_transform"].time_budget,
    )
