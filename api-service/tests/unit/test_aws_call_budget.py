"""Every AWS call the API makes is bounded: a stalled backend still leaves time for the 503 problem."""

import pytest

from conveyor_api.aws_call_budget import (
    FUNCTION_TIMEOUT_SECONDS,
    RESERVE_SECONDS,
    STALLED_CALLS_PER_REQUEST,
    call_budget,
)


@pytest.mark.parametrize("function_timeout_seconds", [FUNCTION_TIMEOUT_SECONDS, 5, 29, 900])
def test_the_calls_a_request_can_stall_on_end_before_the_function_times_out(
    function_timeout_seconds: int,
) -> None:
    budget = call_budget(function_timeout_seconds)

    stalled = STALLED_CALLS_PER_REQUEST * budget.longest_call_seconds
    assert stalled + RESERVE_SECONDS <= function_timeout_seconds
    assert budget.connect_timeout > 0
    assert budget.read_timeout > 0


def test_the_deployed_function_gets_half_a_second_to_connect_a_second_to_read_and_one_retry() -> None:
    budget = call_budget()

    assert (budget.connect_timeout, budget.read_timeout, budget.attempts) == (0.5, 1.0, 2)
    assert budget.longest_call_seconds == 4.0


def test_the_budget_is_botocores_configuration_with_standard_retries() -> None:
    config = call_budget().config()

    # botocore's stubs do not type Config's options, so they are read by name.
    assert {name: getattr(config, name) for name in ("connect_timeout", "read_timeout", "retries")} == {
        "connect_timeout": 0.5,
        "read_timeout": 1.0,
        "retries": {"mode": "standard", "total_max_attempts": 2},
    }


def test_a_timeout_too_short_for_any_call_is_refused() -> None:
    with pytest.raises(ValueError, match="no time left"):
        call_budget(RESERVE_SECONDS + 1)
