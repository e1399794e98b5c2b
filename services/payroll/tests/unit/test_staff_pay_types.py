"""Staff records' jobs: pay types as the REST body spells them, salary with its exemption (pure)."""
from __future__ import annotations

import pytest
from chassis.errors import InvalidInput
from payroll.domain import staff


def test_a_salaried_main_job_is_exempt_unless_said_otherwise():
    assert staff.jobs([{"job_code": "gm", "pay_type": "salary", "rate": "78000"}]) == [
        {"job_code": "gm", "pay_type": "salary", "rate": "78000", "exempt": True}]
    parsed = staff.jobs([{"job_code": "sous", "pay_type": "salary", "rate": "41600.00", "exempt": False},
                         {"job_code": "line", "pay_type": "hourly", "rate": "18.00"}])
    assert parsed[0]["exempt"] is False and "exempt" not in parsed[1]


@pytest.mark.parametrize(("jobs", "field"), [
    ([{"job_code": "gm", "pay_type": "salary", "rate": "0"}], "jobs[0].rate"),
    ([{"job_code": "gm", "pay_type": "salary", "rate": "50000", "exempt": "no"}], "jobs[0].exempt"),
    ([{"job_code": "cook", "pay_type": "hourly", "rate": "18.00", "exempt": True}], "jobs[0].exempt"),
    ([{"job_code": "cook", "pay_type": "hourly", "rate": "18.00"},
      {"job_code": "gm", "pay_type": "salary", "rate": "50000"}], "jobs[1].pay_type"),
])
def test_bad_salary_jobs_name_the_field(jobs, field):
    with pytest.raises(InvalidInput) as error:
        staff.jobs(jobs)
    assert error.value.field == field
