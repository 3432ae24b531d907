"""SsmDeployedJobTypes against moto's SSM: the worker stack's published list, read through Powertools with a
minute's cache whose clock the tests move (never a sleep)."""

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parameters import base as powertools_parameters
from botocore.client import BaseClient
from botocore.config import Config
from moto import mock_aws

from conveyor_api.jobs.errors import BackendUnavailableError
from conveyor_api.parameters.ssm import MAX_AGE_SECONDS, SsmDeployedJobTypes
from tests.support.stalled_endpoint import stalled_endpoint

EVERY_TYPE_NAME = frozenset({"data_analysis", "image_resize", "text_transform"})
EVERY_TYPE = {"contract_major": 1, "job_types": sorted(EVERY_TYPE_NAME)}


class CacheClock:
    """The clock of Powertools' parameter cache (its `datetime.now`), moved forward by the tests."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        clock = self

        class MovedDatetime(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> "MovedDatetime":
                return super().now(tz) + clock.offset

        monkeypatch.setattr(powertools_parameters, "datetime", MovedDatetime)

    def pass_seconds(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def cache_clock(monkeypatch: pytest.MonkeyPatch) -> CacheClock:
    return CacheClock(monkeypatch)


@pytest.fixture
def ssm() -> Iterator[BaseClient]:
    with mock_aws():
        yield boto3.client("ssm")


class GetParameterCalls:
    """Counts the GetParameter calls `client` sends."""

    def __init__(self, client: BaseClient) -> None:
        self.count = 0
        client.meta.events.register("before-call.ssm.GetParameter", self._count)

    def _count(self, **_: Any) -> None:
        self.count += 1


def _name() -> str:
    return f"/conveyor-{uuid.uuid4().hex[:8]}/worker/job-types"


def _publish(ssm: Any, name: str, document: object) -> None:
    ssm.put_parameter(Name=name, Type="String", Value=json.dumps(document), Overwrite=True)


def test_the_published_job_types_are_read(ssm: Any) -> None:
    name = _name()
    _publish(ssm, name, {"contract_major": 1, "job_types": ["text_transform"]})

    deployed = SsmDeployedJobTypes(lambda: ssm, name, logger=Logger())

    assert deployed.job_types() == frozenset({"text_transform"})


def test_a_read_list_serves_for_its_max_age_then_a_new_one_is_read(ssm: Any, cache_clock: CacheClock) -> None:
    name = _name()
    _publish(ssm, name, {"contract_major": 1, "job_types": ["data_analysis"]})
    calls = GetParameterCalls(ssm)
    deployed = SsmDeployedJobTypes(lambda: ssm, name, logger=Logger())
    assert deployed.job_types() == frozenset({"data_analysis"})
    _publish(ssm, name, EVERY_TYPE)

    cache_clock.pass_seconds(MAX_AGE_SECONDS - 1)
    before = deployed.job_types()
    cache_clock.pass_seconds(2)
    after = deployed.job_types()

    assert (before, after) == (frozenset({"data_analysis"}), EVERY_TYPE_NAME)
    assert calls.count == 2


def test_a_missing_parameter_accepts_every_type_is_kept_as_long_and_is_logged_once(
    ssm: Any, cache_clock: CacheClock, caplog: pytest.LogCaptureFixture
) -> None:
    name = _name()
    calls = GetParameterCalls(ssm)
    deployed = SsmDeployedJobTypes(lambda: ssm, name, logger=Logger(service="conveyor-api-test"))

    first, again = deployed.job_types(), deployed.job_types()
    cache_clock.pass_seconds(MAX_AGE_SECONDS + 1)
    later = deployed.job_types()

    assert (first, again, later) == (None, None, None)
    assert calls.count == 2
    assert [record.levelname for record in caplog.records if "publishes no job types" in record.message] == [
        "INFO"
    ]


def test_a_list_published_after_a_missing_one_is_read_within_the_max_age(
    ssm: Any, cache_clock: CacheClock
) -> None:
    name = _name()
    deployed = SsmDeployedJobTypes(lambda: ssm, name, logger=Logger())
    assert deployed.job_types() is None
    _publish(ssm, name, {"contract_major": 1, "job_types": ["image_resize"]})

    cache_clock.pass_seconds(MAX_AGE_SECONDS + 1)

    assert deployed.job_types() == frozenset({"image_resize"})


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        json.dumps({"job_types": ["text_transform"]}),
        json.dumps(EVERY_TYPE | {"contract_major": 2}),
    ],
    ids=["not-json", "off-contract", "another-major"],
)
def test_a_value_that_is_not_this_majors_list_accepts_every_type_and_is_logged_as_an_error(
    ssm: Any, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    name = _name()
    ssm.put_parameter(Name=name, Type="String", Value=value)

    deployed = SsmDeployedJobTypes(lambda: ssm, name, logger=Logger())

    assert (deployed.job_types(), deployed.job_types()) == (None, None)
    assert [record.levelname for record in caplog.records] == ["ERROR"]


@pytest.mark.enable_socket
def test_an_ssm_that_does_not_answer_is_backend_unavailable() -> None:
    with stalled_endpoint() as stalled:
        unanswered = boto3.client(
            "ssm",
            endpoint_url=stalled.url,
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=0.2),
        )

        with pytest.raises(BackendUnavailableError):
            SsmDeployedJobTypes(lambda: unanswered, _name(), logger=Logger()).job_types()

        assert stalled.connections
