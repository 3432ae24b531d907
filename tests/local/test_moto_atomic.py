"""conveyor_local.moto_atomic: of concurrent conditional writes to an item exactly one succeeds, as in AWS."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from conveyor_local import moto_atomic
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.parsing.executors import UpdateExpressionExecutor

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CLAIMERS = 16


@pytest.fixture
def slow_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Holds every in-place update for 50 ms, so that without a lock each claimer reads `QUEUED` first."""
    execute: Callable[..., Any] = UpdateExpressionExecutor.execute

    def slow_execute(self: UpdateExpressionExecutor, *args: Any) -> Any:
        time.sleep(0.05)
        return execute(self, *args)

    monkeypatch.setattr(UpdateExpressionExecutor, "execute", slow_execute)


@pytest.fixture
def jobs_table(dynamodb: DynamoDBClient) -> Iterator[str]:
    name = f"atomic-{time.time_ns()}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "job_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    dynamodb.delete_table(TableName=name)


def _claim_all_at_once(dynamodb: DynamoDBClient, table: str) -> list[str]:
    dynamodb.put_item(TableName=table, Item={"job_id": {"S": "one"}, "status": {"S": "QUEUED"}})
    start = threading.Barrier(CLAIMERS)

    def claim(token: int) -> str | None:
        start.wait()
        try:
            dynamodb.update_item(
                TableName=table,
                Key={"job_id": {"S": "one"}},
                UpdateExpression="SET #status = :in_progress, #token = :token",
                ConditionExpression="#status = :queued",
                ExpressionAttributeNames={"#status": "status", "#token": "claim_token"},
                ExpressionAttributeValues={
                    ":queued": {"S": "QUEUED"},
                    ":in_progress": {"S": "IN_PROGRESS"},
                    ":token": {"S": str(token)},
                },
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return None
        return str(token)

    with ThreadPoolExecutor(max_workers=CLAIMERS) as pool:
        return [token for token in pool.map(claim, range(CLAIMERS)) if token is not None]


@pytest.mark.usefixtures("slow_updates")
def test_of_sixteen_concurrent_conditional_claims_exactly_one_wins(
    dynamodb: DynamoDBClient, jobs_table: str
) -> None:
    assert moto_atomic.is_applied()  # the server came from start_moto_server, as make dev's does

    winners = _claim_all_at_once(dynamodb, jobs_table)

    stored = dynamodb.get_item(TableName=jobs_table, Key={"job_id": {"S": "one"}})["Item"]
    assert len(winners) == 1
    assert stored["claim_token"] == {"S": winners[0]}


@pytest.mark.usefixtures("slow_updates")
def test_without_it_moto_lets_several_claims_win(
    dynamodb: DynamoDBClient, jobs_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the lock exists: the same race on moto's own methods lets more than one claimer win."""
    for name in moto_atomic._ITEM_METHODS:
        monkeypatch.setattr(DynamoDBBackend, name, getattr(DynamoDBBackend, name).__wrapped__)

    assert len(_claim_all_at_once(dynamodb, jobs_table)) > 1
