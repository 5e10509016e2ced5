"""Sign-up does the same work for a registered and a new identifier (issue 12: 0.05 s against
0.5 s told registered phone numbers apart).

Per DESIGN.md, timing side channels are tested by the work done, never by the clock: the password
hasher runs once either way, the request runs the very same SQL, and it queues one job. The spread
in time is measured by `benchmarks/signup_timing.py`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext

from walletdesk.identity import actions
from walletdesk.identity.audit import RequestMeta
from walletdesk.identity.models import User
from walletdesk.identity.tests.conftest import PASSWORD, last_code, sent_to

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a quiet river at dawn"


class CountingHasher(MD5PasswordHasher):
    """Django's test hasher, counting how often a password is hashed."""

    algorithm = "counting_md5"
    runs: ClassVar[int] = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).runs += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings: Any) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = [
        f"{__name__}.CountingHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    CountingHasher.runs = 0
    return CountingHasher


def _request_work(identifier: str, capture_jobs: Any, hasher: type[CountingHasher]) -> Any:
    hasher.runs = 0
    with CaptureQueriesContext(connection) as queries, capture_jobs() as jobs:
        login_name = actions.start_signup(
            identifier, NEW_PASSWORD, "小王", meta=RequestMeta(ip="10.1.2.3", user_agent="UA")
        )
    return login_name, hasher.runs, [q["sql"] for q in queries.captured_queries], jobs


def test_registered_and_new_numbers_cost_the_same_work(
    customer: Any, counting_hasher: type[CountingHasher], django_capture_on_commit_callbacks: Any
) -> None:
    taken = _request_work(customer.phone, django_capture_on_commit_callbacks, counting_hasher)
    fresh = _request_work("13900002222", django_capture_on_commit_callbacks, counting_hasher)

    _, taken_hashes, taken_sql, taken_jobs = taken
    _, fresh_hashes, fresh_sql, fresh_jobs = fresh
    assert taken_hashes == fresh_hashes == 1
    assert taken_sql == fresh_sql  # the same statements, in the same order, with the same values
    assert len(taken_jobs) == len(fresh_jobs) == 1
    # Nothing about either account was looked at or written in the request.
    assert not User.objects.filter(login_name="+8613900002222").exists()


def test_the_queued_job_registers_the_new_number_and_warns_the_owner(
    customer: Any, counting_hasher: type[CountingHasher], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_signup(
            customer.phone, NEW_PASSWORD, "", meta=RequestMeta(ip="10.1.2.3", user_agent="UA")
        )
        actions.start_signup(
            "13900002222", NEW_PASSWORD, "", meta=RequestMeta(ip="10.1.2.3", user_agent="UA")
        )
    # The job reused the request's hash: two sign-ups, two hashes in all.
    assert counting_hasher.runs == 2
    pending = User.objects.get(login_name="+8613900002222")
    assert not pending.is_active and pending.check_password(NEW_PASSWORD)
    assert last_code("+8613900002222")
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)  # the owner's password is untouched
    assert any("注册" in body or "sign up" in body.lower() for body in sent_to(customer.phone))
