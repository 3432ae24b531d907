"""data_analysis: summary statistics of up to 100000 numbers.

The sum and the mean are exact until one final rounding, and so is the standard deviation
(statistics.pstdev works in exact rationals), so neither cancellation nor an overflowing intermediate can
spoil them. Percentiles interpolate linearly between closest ranks at rank (n - 1) * q, numpy's default.
"""

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from conveyor_worker.job_types.context import JobContext
from conveyor_worker.job_types.errors import PermanentJobError

JOB_TYPE = "data_analysis"

# Every finite double is an integer multiple of 2**-1074, the smallest subnormal.
_SCALE = 2**1074


def run(payload: Mapping[str, Any], job: JobContext) -> dict[str, Any]:
    values = sorted(_as_floats(payload["data"]))
    count = len(values)
    scaled_sum = _scaled_sum(values)
    try:
        total = scaled_sum / _SCALE  # int / int is correctly rounded, and raises rather than return inf
    except OverflowError as overflow:
        raise _out_of_range("the sum") from overflow
    # Only the sum can leave the range of a double: the other statistics lie between -max|x| and max|x|.
    return {
        "count": count,
        "sum": total,
        "mean": scaled_sum / (_SCALE * count),
        "median": _percentile(values, 50),
        "min": values[0],
        "max": values[-1],
        "stdev": statistics.pstdev(values),
        "p90": _percentile(values, 90),
        "p99": _percentile(values, 99),
    }


def _scaled_sum(values: Sequence[float]) -> int:
    """The exact sum times _SCALE. math.fsum is exact too but overflows on intermediate partial sums."""
    return sum(
        numerator * (_SCALE // denominator) for numerator, denominator in map(float.as_integer_ratio, values)
    )


def _percentile(ascending: Sequence[float], percent: int) -> float:
    """Linear interpolation at rank (n - 1) * percent / 100, computed exactly in integers."""
    index, remainder = divmod((len(ascending) - 1) * percent, 100)
    if remainder == 0:
        return ascending[index]
    return _interpolate(ascending[index], ascending[index + 1], remainder / 100)


def _interpolate(low: float, high: float, fraction: float) -> float:
    # Each form is finite for any finite pair: with opposite signs `high - low` may overflow but the
    # weighted sum cannot; with equal signs the difference cannot.
    if (low < 0) != (high < 0):
        return low * (1 - fraction) + high * fraction
    return low + (high - low) * fraction


def _as_floats(data: Sequence[int | float]) -> list[float]:
    try:
        return [float(value) for value in data]
    except OverflowError as overflow:
        raise _out_of_range("a value") from overflow


def _out_of_range(what: str) -> PermanentJobError:
    return PermanentJobError(
        "VALUE_OUT_OF_RANGE",
        f"{what} is beyond the range of a double-precision number (about ±1.8e308); "
        "a JSON result cannot hold infinity",
    )
