"""Every AWS call the worker and the sweeper make ends within a third of the function's timeout."""

import pytest

from conveyor_worker.aws_call_budget import CALL_SHARE_OF_TIMEOUT, SWEEPER_TIMEOUT_SECONDS, call_budget

# 1 s is the least Lambda allows, 15 s the local worker's, 60 s the deployed worker's and the sweeper's.
TIMEOUTS = [1, 3, 6, 15, SWEEPER_TIMEOUT_SECONDS, 900]


@pytest.mark.parametrize("function_timeout_seconds", TIMEOUTS)
def test_a_call_that_stalls_ends_within_a_third_of_the_functions_timeout(
    function_timeout_seconds: int,
) -> None:
    budget = call_budget(function_timeout_seconds)

    assert budget.longest_call_seconds <= function_timeout_seconds * CALL_SHARE_OF_TIMEOUT + 1e-9
    assert budget.connect_timeout > 0
    assert budget.read_timeout > 0


def test_a_minute_long_function_connects_within_2_s_reads_within_7_5_s_and_retries_once() -> None:
    budget = call_budget(60)

    assert (budget.connect_timeout, budget.read_timeout, budget.attempts) == (2.0, 7.5, 2)


def test_a_function_too_short_to_retry_makes_one_attempt_with_the_whole_share() -> None:
    budget = call_budget(3)

    assert budget.attempts == 1
    assert budget.longest_call_seconds == pytest.approx(1.0)


def test_no_function_waits_longer_than_botocores_defaults_on_one_read() -> None:
    budget = call_budget(900)

    assert (budget.connect_timeout, budget.read_timeout) == (2.0, 60.0)


def test_the_budget_is_botocores_configuration_with_standard_retries() -> None:
    config = call_budget(60).config()

    # botocore's stubs do not type Config's options, so they are read by name.
    assert {name: getattr(config, name) for name in ("connect_timeout", "read_timeout", "retries")} == {
        "connect_timeout": 2.0,
        "read_timeout": 7.5,
        "retries": {"mode": "standard", "total_max_attempts": 2},
    }
