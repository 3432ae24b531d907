"""CONVEYOR_API_CHECKOUT and CONVEYOR_WORKER_CHECKOUT: a service's code and stack template from another
checkout (`make rehearse`, `make dev WORKER_AT=`), refused at once when the checkout cannot provide them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conveyor_local.config import ConfigError, LocalStackConfig, ServiceCheckout


def _checkout(root: Path, service: str, folder: str) -> Path:
    for needed in (root / "infra" / service / "template.yaml", root / folder / ".venv" / "bin" / "python"):
        needed.parent.mkdir(parents=True, exist_ok=True)
        needed.touch()
    return root


def test_a_service_named_by_its_checkout_takes_that_checkouts_template_and_interpreter(
    tmp_path: Path,
) -> None:
    root = _checkout(tmp_path, "worker", "worker-service")

    settings = LocalStackConfig.from_env({"CONVEYOR_WORKER_CHECKOUT": str(root), "CONVEYOR_API_CHECKOUT": ""})

    assert settings.checkouts == {"worker": ServiceCheckout("worker", root)}
    assert settings.checkouts["worker"].infra_dir == root / "infra"
    assert settings.checkouts["worker"].python == root / "worker-service" / ".venv" / "bin" / "python"


def test_a_checkout_without_the_services_environment_is_refused_saying_how_to_make_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "infra" / "api").mkdir(parents=True)
    (tmp_path / "infra" / "api" / "template.yaml").touch()

    with pytest.raises(
        ConfigError, match=r"no api-service/\.venv/bin/python: .*conveyor_release\.checkout api"
    ):
        LocalStackConfig.from_env({"CONVEYOR_API_CHECKOUT": str(tmp_path)})
