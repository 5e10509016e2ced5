"""Staff pages: the identity-verification review queue and code-delivery status per customer."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from walletdesk.core.errors import WalletDeskError
from walletdesk.identity import kyc, selectors
from walletdesk.identity.audit import RequestMeta, record
from walletdesk.identity.forms import KycReviewForm
from walletdesk.identity.identifiers import mask_phone
from walletdesk.identity.models import KycSubmission, User
from walletdesk.identity.views.common import current_user, form_error, staff_required


@never_cache
@staff_required
@require_GET
def kyc_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/staff_kyc_queue.html", {"submissions": selectors.kyc_queue()})


@never_cache
@staff_required
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
@staff_required
@require_GET
def deliveries(request: HttpRequest, public_id: str) -> HttpResponse:
    """Why "验证码收不到": each code message's channel, masked destination, status and error."""
    from walletdesk.notifications.facade import delivery_records

    customer = User.objects.filter(public_id=public_id).first()
    if customer is None:
        raise Http404
    record("delivery_status_view", subject=customer, request=request)
    return render(
        request,
        "identity/staff_deliveries.html",
        {
            "customer": customer,
            "masked_phone": mask_phone(customer.phone) if customer.phone else "",
            "records": delivery_records(customer.pk),
        },
    )
