"""docs/operations.md lists every alarm the stacks create, so an alarm that fires is one the page explains."""

from __future__ import annotations

import re

import pytest

from tests.infra.templates import INFRA, STACKS, load_template, resources_of_type

OPERATIONS = (INFRA.parent / "docs" / "operations.md").read_text(encoding="utf-8")
ALARMS = [
    (stack, logical_id)
    for stack in STACKS
    for logical_id, _ in resources_of_type(load_template(stack), "AWS::CloudWatch::Alarm")
]


def test_the_stacks_have_alarms_to_list() -> None:
    assert ALARMS


@pytest.mark.parametrize(("stack", "alarm"), ALARMS, ids=[alarm for _, alarm in ALARMS])
def test_the_operations_page_lists_the_alarm_with_its_stack(stack: str, alarm: str) -> None:
    assert re.search(rf"^\| `{alarm}` \| {stack} \| .+ \|$", OPERATIONS, re.MULTILINE), alarm


def test_the_operations_page_lists_no_alarm_the_stacks_lack() -> None:
    listed = set(re.findall(r"^\| `(\w+Alarm)` \|", OPERATIONS, re.MULTILINE))

    assert listed == {alarm for _, alarm in ALARMS}
