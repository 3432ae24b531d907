"""The demo page's server: the folder's files, and a generated /config.json pointing at the API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conveyor_local.static_site import start_static_site

REPO_CONTRACTS_V1 = Path(__file__).resolve().parents[2] / "contracts" / "v1"


@pytest.fixture
def site_url(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text("<h1>Conveyor</h1>", encoding="utf-8")
    site = start_static_site(tmp_path, "http://127.0.0.1:18080")
    yield site.url
    site.stop()


def test_serves_the_folder(site_url: str) -> None:
    with urllib.request.urlopen(f"{site_url}/index.html", timeout=5) as response:
        assert response.read() == b"<h1>Conveyor</h1>"


def test_config_json_names_the_api_and_is_never_cached(site_url: str) -> None:
    with urllib.request.urlopen(f"{site_url}/config.json", timeout=5) as response:
        assert response.headers["content-type"] == "application/json"
        assert response.headers["cache-control"] == "no-store"
        assert json.load(response) == {"apiUrl": "http://127.0.0.1:18080"}


def test_files_are_revalidated_on_every_load(site_url: str) -> None:
    with urllib.request.urlopen(f"{site_url}/index.html", timeout=5) as response:
        assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("schema", ["job-request.schema.json", "job-types/text_transform/input.schema.json"])
def test_serves_the_repository_contract_under_contracts_v1(site_url: str, schema: str) -> None:
    with urllib.request.urlopen(f"{site_url}/contracts/v1/{schema}", timeout=5) as response:
        assert response.headers["content-type"] == "application/json"
        assert response.read() == (REPO_CONTRACTS_V1 / schema).read_bytes()


def test_contracts_mount_does_not_reach_outside_the_contract(site_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{site_url}/contracts/v1/../../README.md", timeout=5)
    assert refused.value.code == 404
