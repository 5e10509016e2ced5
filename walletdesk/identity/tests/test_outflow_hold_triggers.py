"""What starts the 24 h hold on every outflow (payments enforces it: test_outflow_hold.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from walletdesk.identity.actions import outflow_hold
from walletdesk.identity.tests.conftest import PASSWORD, log_in

pytestmark = pytest.mark.django_db
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64) Chrome/120.0 Safari/537.36"


def test_a_sign_in_from_a_new_device_starts_it_a_known_device_does_not(web, customer):
    first = web(user_agent=IPHONE)
    log_in(first, customer.login_name)
    assert outflow_hold(customer.pk) is None  # the first device after sign-up
    first.post("/account/logout/")
    log_in(first, customer.login_name)
    assert outflow_hold(customer.pk) is None
    log_in(web(user_agent=WINDOWS, ip="116.228.1.1"), customer.login_name)
    hold = outflow_hold(customer.pk)
    assert hold is not None and not hold.contact_change
    assert hold.until - hold.since == timedelta(hours=24)


def test_a_password_change_starts_it_and_it_ends_after_24_hours(signed_in, customer):
    client = signed_in(customer)
    response = client.post(
        "/account/security/password/",
        {"old_password": PASSWORD, "new_password": "another long passphrase"},
    )
    assert response.status_code == 302, response.content[:300]
    hold = outflow_hold(customer.pk)
    assert hold is not None and not hold.contact_change
    page = client.get("/account/security/", headers={"accept-language": "zh-hans"})
    assert "暂停提现、转账和付款" in page.content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert outflow_hold(customer.pk) is None
