"""Staff pages: the identity-verification review queue and code-delivery status per customer."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from walletdesk.core.errors import WalletDeskError
from walletdesk.core.money import Money
from walletdesk.identity import kyc, selectors
from walletdesk.identity.audit import RequestMeta, record
from walletdesk.identity.enums import CustomerDataReason
from walletdesk.identity.forms import ApprovalDecisionForm, KycReviewForm
from walletdesk.identity.identifiers import mask_phone
from walletdesk.identity.models import KycSubmission, User
from walletdesk.identity.views.common import current_user, form_error, staff_permission_required


@never_cache
@staff_permission_required("identity.review_kyc")
@require_GET
def kyc_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/staff_kyc_queue.html", {"submissions": selectors.kyc_queue()})


@never_cache
@staff_permission_required("identity.review_kyc")
@require_http_methods(["GET", "POST"])
def kyc_review(request: HttpRequest, public_id: str) -> HttpResponse:
    submission = KycSubmission.objects.select_related("user").filter(public_id=public_id).first()
    if submission is None:
        raise Http404
    form = KycReviewForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            kyc.review(
                public_id,
                current_user(request),
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                meta=RequestMeta.from_request(request),
            )
        except WalletDeskError as error:
            status = form_error(form, error)
        else:
            messages.success(request, _("Review saved."))
            return redirect("identity:staff_kyc_queue")
    return render(
        request,
        "identity/staff_kyc_review.html",
        {
            "submission": submission,
            "documents": list(submission.documents.all()),
            "masked_phone": mask_phone(submission.user.phone) if submission.user.phone else "",
            "form": form,
        },
        status=status,
    )


@never_cache
@staff_permission_required("identity.view_customer_data")
@require_GET
def deliveries(request: HttpRequest, public_id: str) -> HttpResponse:
    """Why "验证码收不到": each code message's channel, masked destination, status and error.

    Customer data opens only with a reason from the list; the reason goes into the audit row of
    the view. Without one, the page asks for it and shows nothing of the customer."""
    from walletdesk.notifications.facade import delivery_records

    customer = User.objects.filter(public_id=public_id, role="customer").first()
    if customer is None:
        raise Http404
    reason = request.GET.get("reason", "")
    if reason not in CustomerDataReason.values:
        return render(
            request,
            "identity/staff_reason.html",
            {"reasons": CustomerDataReason.choices},
            status=400 if reason else 200,
        )
    record("delivery_status_view", subject=customer, request=request, reason_code=reason)
    return render(
        request,
        "identity/staff_deliveries.html",
        {
            "customer": customer,
            "masked_phone": mask_phone(customer.phone) if customer.phone else "",
            "records": delivery_records(customer.pk),
        },
    )


@never_cache
@staff_permission_required("identity.view_approval_queue")
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    """Requests waiting for a second pair of eyes: refunds at or above the threshold and early
    unfreezes. The console's inbox will fold this list in."""
    from walletdesk.identity import approvals as approval_queue

    user = current_user(request)
    rows = approval_queue.pending_for(user)
    return render(
        request,
        "identity/staff_approvals.html",
        {
            "rows": [
                {
                    "row": row,
                    "amount": Money(row.amount, row.currency).to_decimal_string()
                    if row.amount is not None and row.currency
                    else "",
                    "mine": row.requested_by_id == user.pk,
                    "reason": approval_queue.reason_label(row),
                    "customer": row.subject.display_name or mask_phone(row.subject.phone or ""),
                }
                for row in rows
            ],
            "form": ApprovalDecisionForm(),
            "can_review_kyc": user.has_perm("identity.review_kyc"),
        },
    )


@never_cache
@staff_permission_required("identity.view_approval_queue")
@require_POST
def approval_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    from walletdesk.identity import approvals as approval_queue
    from walletdesk.identity import sessions
    from walletdesk.identity.models import ApprovalRequest, UnfreezeRequest

    form = ApprovalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and a reason."))
        return redirect("identity:staff_home")
    if not sessions.has_recent_step_up(request):
        # A fresh second factor for every decision (ACC-4): verify, then come back here.
        messages.info(request, _("Confirm it is you before deciding."))
        return redirect("/account/security/verify/?" + urlencode({"next": "/account/staff/"}))
    user = current_user(request)
    meta = RequestMeta.from_request(request)
    reason = form.cleaned_data["reason"]
    try:
        if form.cleaned_data["decision"] == "reject":
            approval_queue.reject(public_id, user, decision_reason=reason, meta=meta)
            messages.success(request, _("Rejected."))
        else:
            row = ApprovalRequest.objects.filter(public_id=public_id).first()
            unfreeze = (
                UnfreezeRequest.objects.filter(approval=row).first() if row is not None else None
            )
            if unfreeze is not None:
                from walletdesk.identity import unfreeze_review

                done = unfreeze_review.approve(
                    str(unfreeze.public_id), user, meta=meta, decision_reason=reason
                )
            else:
                done = (
                    str(
                        approval_queue.approve(
                            public_id, user, decision_reason=reason, meta=meta
                        ).status
                    )
                    == "approved"
                )
            messages.success(
                request,
                _("Approved and carried out.")
                if done
                else _("Approval recorded; one more is needed."),
            )
    except WalletDeskError as error:
        messages.error(request, error.user_message)
    return redirect("identity:staff_home")
