"""Staff page to try the assistant's understanding: type a message, see what it understood."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from walletdesk.assistant import facade
from walletdesk.assistant.errors import ModelNotTrainedError
from walletdesk.assistant.forms import TryForm


@login_required
@require_http_methods(["GET", "POST"])
def try_nlu(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "is_staff", False):
        raise PermissionDenied
    form = TryForm(request.POST or None)
    result = None
    model_missing = False
    if request.method == "POST" and form.is_valid():
        try:
            result = facade.parse(form.cleaned_data["text"], form.cleaned_data["lang"] or None)
        except ModelNotTrainedError:
            model_missing = True
    context = {"form": form, "result": result, "model_missing": model_missing}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "assistant/_try_result.html", context)
    return render(request, "assistant/try.html", context)
