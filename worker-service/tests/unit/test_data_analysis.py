"""data_analysis against exact references: every statistic computed in rationals, rounded once."""

import math
import random
import time
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from conveyor_worker.contract import check, load_contract
from conveyor_worker.job_types import data_analysis
from conveyor_worker.job_types.context import JobContext
from conveyor_worker.job_types.errors import PermanentJobError
from tests.support.fake_files import FakeFileStore
from tests.support.schemas import schema_of

SCHEMAS = load_contract().job_types["data_analysis"]
JOB = JobContext("3f2b8c1e-5d4a-4b6f-9c0d-1e2f3a4b5c6d", FakeFileStore())
"""data_analysis reads and writes no files."""

# Bounded so that no statistic overflows; overflow has tests of its own.
finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)
numbers = st.one_of(finite, st.integers(min_value=-(2**70), max_value=2**70))
data_sets = st.lists(numbers, min_size=1, max_size=300)


def exact_percentile(ascending: list[Fraction], percent: int) -> Fraction:
    rank = Fraction(len(ascending) - 1) * Fraction(percent, 100)
    low = math.floor(rank)
    if low == len(ascending) - 1:
        return ascending[low]
    return ascending[low] + (ascending[low + 1] - ascending[low]) * (rank - low)


def exact_population_stdev(values: list[Fraction]) -> float:
    mean = sum(values, Fraction(0)) / len(values)
    variance = sum(((value - mean) ** 2 for value in values), Fraction(0)) / len(values)
    context = Context(prec=60, Emax=10**6, Emin=-(10**6))
    return float(context.sqrt(context.divide(Decimal(variance.numerator), Decimal(variance.denominator))))


def assert_interpolated(actual: float, expected: Fraction, neighbours: list[Fraction]) -> None:
    # Interpolating between two doubles costs a few units in the last place of the larger one.
    tolerance = 4 * math.ulp(float(max(abs(value) for value in neighbours)))
    assert abs(Fraction(actual) - expected) <= Fraction(tolerance), (actual, float(expected))


@given(data_sets)
def test_statistics_match_exact_rational_references(data: list[float | int]) -> None:
    exact = sorted(Fraction(float(value)) for value in data)
    exact_sum = sum(exact, Fraction(0))

    result = data_analysis.run({"data": data}, JOB)

    assert result["count"] == len(data)
    assert result["sum"] == float(exact_sum)  # fsum is correctly rounded
    assert math.isclose(result["mean"], float(exact_sum / len(data)), rel_tol=4e-16, abs_tol=1e-320)
    assert (result["min"], result["max"]) == (float(exact[0]), float(exact[-1]))
    assert math.isclose(result["stdev"], exact_population_stdev(exact), rel_tol=4e-16, abs_tol=1e-320)
    for name, percent in (("median", 50), ("p90", 90), ("p99", 99)):
        assert_interpolated(result[name], exact_percentile(exact, percent), [exact[0], exact[-1]])


def sum_is_representable(data: list[float | int]) -> bool:
    try:
        float(sum((Fraction(float(value)) for value in data), Fraction(0)))
    except OverflowError:
        return False
    return True


@given(from_schema(schema_of(SCHEMAS.input)))
def test_every_valid_input_gives_a_valid_result_unless_its_sum_is_out_of_range(
    payload: dict[str, Any],
) -> None:
    if sum_is_representable(payload["data"]):
        check(SCHEMAS.result, "the result", data_analysis.run(payload, JOB))
    else:
        with pytest.raises(PermanentJobError, match="VALUE_OUT_OF_RANGE"):
            data_analysis.run(payload, JOB)


def test_percentiles_interpolate_between_closest_ranks_like_numpy() -> None:
    result = data_analysis.run({"data": [4, 1, 3, 2]}, JOB)

    assert (result["median"], result["p90"], result["p99"]) == (2.5, pytest.approx(3.7), pytest.approx(3.97))
    assert result["stdev"] == math.sqrt(1.25)


def test_one_value_is_every_statistic_and_has_no_spread() -> None:
    assert data_analysis.run({"data": [42]}, JOB) == {
        "count": 1,
        "sum": 42.0,
        "mean": 42.0,
        "median": 42.0,
        "min": 42.0,
        "max": 42.0,
        "stdev": 0.0,
        "p90": 42.0,
        "p99": 42.0,
    }


def test_a_hundred_thousand_values_are_summed_without_cancellation_error() -> None:
    # Naive left-to-right addition loses every 1.0 next to 1e16; the exact sum is 33334.
    data = [1e16, 1.0, -1e16] * 33333 + [1.0]
    assert len(data) == 100_000
    assert sum(data) != 33334.0

    result = data_analysis.run({"data": data}, JOB)

    assert (result["sum"], result["count"]) == (33334.0, 100_000)


def test_a_hundred_thousand_values_take_well_under_a_second() -> None:
    generator = random.Random(20261124)
    data = [generator.uniform(-1e9, 1e9) for _ in range(100_000)]
    started = time.perf_counter()

    result = data_analysis.run({"data": data}, JOB)

    assert time.perf_counter() - started < 2.0
    check(SCHEMAS.result, "the result", result)


@pytest.mark.parametrize(
    "data",
    [[1e308, 1e308], [-1.7e308, -1.7e308], [10**400]],
    ids=["sum-overflows", "negative-sum-overflows", "integer-beyond-double"],
)
def test_numbers_beyond_double_precision_fail_the_job_as_value_out_of_range(data: list[float | int]) -> None:
    with pytest.raises(PermanentJobError) as out_of_range:
        data_analysis.run({"data": data}, JOB)

    assert out_of_range.value.code == "VALUE_OUT_OF_RANGE"


def test_extreme_but_representable_values_keep_finite_statistics() -> None:
    # The sum overflows nowhere, but a naive midpoint (a + b) / 2 or a squared deviation would.
    result = data_analysis.run({"data": [-1.7e308, 1.7e308, 1.7e308, -1.7e308, 1.0]}, JOB)

    assert result["sum"] == 1.0
    assert result["stdev"] == pytest.approx(1.7e308 * math.sqrt(0.8))
    assert all(math.isfinite(value) for value in result.values())


def test_the_median_of_two_huge_middle_values_does_not_overflow() -> None:
    result = data_analysis.run({"data": [-1.79e308, 1e308, 1e308, 1e308]}, JOB)

    assert result["median"] == 1e308
