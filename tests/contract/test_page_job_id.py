"""The demo page keeps only job ids the contract allows: its copy of the job id pattern is the contract's.

The page reads its history from localStorage before any schema has loaded, hence a copy rather than a lookup.
"""

from __future__ import annotations

import re

from tests.support.contract import REPO_ROOT, schema

HISTORY_SCRIPT = REPO_ROOT / "frontend" / "js" / "history.js"


def test_the_pages_job_id_pattern_is_the_contracts() -> None:
    contract_pattern = schema("job-id")["pattern"]
    [page_pattern] = re.findall(r"^const JOB_ID = /(.*)/;$", HISTORY_SCRIPT.read_text(), flags=re.MULTILINE)

    assert page_pattern == contract_pattern
