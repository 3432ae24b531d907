"""Layers point one way: the domain and the models know nothing of boto3 or of Lambda events."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "src" / "conveyor_worker"


def imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return modules | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


@pytest.mark.parametrize("layer", ["jobs", "models", "job_types", "imaging"])
def test_the_domain_does_not_import_aws_clients_or_handlers(layer: str) -> None:
    offending = {
        f"{source.relative_to(PACKAGE)} imports {module}"
        for source in (PACKAGE / layer).rglob("*.py")
        for module in imported_modules(source)
        if module.split(".")[0] in {"boto3", "botocore"}
        or module.startswith(
            (
                "conveyor_worker.handlers",
                "conveyor_worker.store",
                "conveyor_worker.queue",
                "conveyor_worker.files",
                "aws_lambda_powertools.utilities",
            )
        )
    }

    assert offending == set()


@pytest.mark.parametrize("layer", ["jobs", "models", "job_types", "imaging"])
def test_the_domain_takes_only_the_logger_from_powertools_and_counts_through_its_metrics_ports(
    layer: str,
) -> None:
    taken = {
        f"{source.relative_to(PACKAGE)} imports {alias.name}"
        for source in (PACKAGE / layer).rglob("*.py")
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "aws_lambda_powertools"
        for alias in node.names
        if alias.name != "Logger"
    }

    assert taken == set()
