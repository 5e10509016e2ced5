"""core.statemachine.change_status: the map is checked and the history row written together."""

from __future__ import annotations

import pytest

from walletdesk.core.errors import InvalidStateTransitionError
from walletdesk.core.models import StatusChange
from walletdesk.core.statemachine import change_status, status_history
from walletdesk.identity.enums import KYC_TRANSITIONS, KycStatus
from walletdesk.identity.models import KycSubmission

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(customer):
    return KycSubmission.objects.create(
        user=customer, real_name="张三", id_number_last4="1234", id_number_hash="x"
    )


def test_a_change_moves_the_status_and_records_who_when_and_why(submission):
    change_status(
        submission,
        KycStatus.REJECTED,
        transitions=KYC_TRANSITIONS,
        actor="agent:7",
        reason="blurry",
    )
    submission.refresh_from_db()
    assert submission.status == "rejected"
    (row,) = status_history(submission)
    assert (row.from_status, row.to_status, row.actor, row.reason) == (
        "pending",
        "rejected",
        "agent:7",
        "blurry",
    )
    assert row.subject_type == "identity.kycsubmission" and row.occurred_at is not None


def test_a_transition_outside_the_map_changes_nothing(submission):
    change_status(submission, KycStatus.APPROVED, transitions=KYC_TRANSITIONS, actor="agent:7")
    with pytest.raises(InvalidStateTransitionError):
        change_status(submission, KycStatus.REJECTED, transitions=KYC_TRANSITIONS, actor="agent:8")
    submission.refresh_from_db()
    assert submission.status == "approved" and status_history(submission).count() == 1


def test_a_stale_copy_cannot_move_a_status_someone_else_already_moved(submission):
    stale = KycSubmission.objects.get(pk=submission.pk)
    change_status(submission, KycStatus.APPROVED, transitions=KYC_TRANSITIONS, actor="agent:7")
    with pytest.raises(InvalidStateTransitionError):
        change_status(stale, KycStatus.REJECTED, transitions=KYC_TRANSITIONS, actor="agent:8")
    submission.refresh_from_db()
    assert submission.status == "approved"
    assert [row.actor for row in status_history(submission)] == ["agent:7"]


def test_history_is_append_only(submission):
    change_status(submission, KycStatus.APPROVED, transitions=KYC_TRANSITIONS, actor="agent:7")
    with pytest.raises(TypeError):
        StatusChange.objects.all().update(actor="someone else")
    with pytest.raises(TypeError):
        StatusChange.objects.all().delete()
