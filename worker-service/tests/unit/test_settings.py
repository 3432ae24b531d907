import pytest
from pydantic import ValidationError

from conveyor_worker.settings import Settings

ENVIRONMENT = {"JOBS_TABLE_NAME": "conveyor-jobs", "JOB_LEASE_SECONDS": "60", "MAX_RECEIVE_COUNT": "3"}


def test_settings_are_read_from_the_environment_names() -> None:
    assert Settings.from_env({**ENVIRONMENT, "UNRELATED": "x"}) == Settings(
        jobs_table_name="conveyor-jobs", job_lease_seconds=60, max_receive_count=3
    )


@pytest.mark.parametrize("missing", sorted(ENVIRONMENT))
def test_a_missing_variable_fails_loudly_naming_it(missing: str) -> None:
    environment = {name: value for name, value in ENVIRONMENT.items() if name != missing}

    with pytest.raises(ValidationError, match=missing):
        Settings.from_env(environment)


@pytest.mark.parametrize(
    ("name", "value"),
    [("JOB_LEASE_SECONDS", "0"), ("MAX_RECEIVE_COUNT", "three"), ("JOBS_TABLE_NAME", "")],
)
def test_a_meaningless_value_fails_loudly(name: str, value: str) -> None:
    with pytest.raises(ValidationError, match=name):
        Settings.from_env({**ENVIRONMENT, name: value})
