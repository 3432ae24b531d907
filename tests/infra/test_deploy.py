"""`make deploy`: the stacks in the order their outputs are needed, under sam's names, as the README says."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.infra.templates import INFRA, STACKS, load_template

REPO_ROOT = INFRA.parent
MAKEFILE = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _recipe(target: str) -> list[str]:
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", MAKEFILE, re.MULTILINE)
    assert match, f"no recipe for {target} in the Makefile"
    return match.group(1).splitlines()


def test_deploy_runs_frontend_stack_before_api_and_publishes_last() -> None:
    steps = [line.split()[-1] for line in _recipe("deploy")]

    # The api's CORS reads the frontend stack's SiteOrigin; the page's config.json reads the api's ApiUrl.
    assert steps == [
        "deploy-core",
        "deploy-worker",
        "deploy-frontend-stack",
        "deploy-api",
        "publish-frontend",
    ]


def test_makefile_reads_outputs_of_the_stacks_sam_deploys() -> None:
    for variable, stack in [("CORE_STACK", "core"), ("FRONTEND_STACK", "frontend"), ("API_STACK", "api")]:
        with (INFRA / stack / "samconfig.toml").open("rb") as config:
            stack_name = tomllib.load(config)["default"]["deploy"]["parameters"]["stack_name"]
        assert re.search(rf"^{variable} := {re.escape(stack_name)}$", MAKEFILE, re.MULTILINE), variable


def test_deploy_api_allows_the_pages_origin_and_keeps_the_core_stack() -> None:
    recipe = "\n".join(_recipe("deploy-api"))

    assert "$(STACK_OUTPUT) $(FRONTEND_STACK) SiteOrigin --if-missing '*'" in recipe
    # --parameter-overrides replaces samconfig.toml's, which names the core stack.
    assert '"CoreStackName=$(CORE_STACK)" "AllowOrigin=$$allow_origin"' in recipe


@pytest.mark.parametrize("stack", STACKS)
def test_readme_names_every_parameter_of_the_stack(stack: str) -> None:
    row = re.search(rf"^\| {stack} \| (.+) \|$", README, re.MULTILINE)
    assert row, f"README's Deploy section has no parameters row for {stack}"
    documented = {name for name in re.findall(r"`([^`]+)`", row.group(1)) if re.fullmatch(r"[A-Z]\w*", name)}
    documented -= {name for name in documented if "_" in name}  # values such as PriceClass_100

    assert documented == set(load_template(stack).get("Parameters", {}))
