"""Page URLs of top-ups, withdrawals and bank cards. Included by walletdesk/payments/urls.py
(app_name "payments"), so the names below are used as "payments:<name>".

API routes are `walletdesk.payments.api_rails.urlpatterns` (included under /api/v1/).
"""

from __future__ import annotations

from django.urls import path

from walletdesk.payments import views_rails

urlpatterns = [
    path("topup/", views_rails.top_up, name="topup"),
    path("withdraw/", views_rails.withdraw, name="withdraw"),
    path("cards/", views_rails.card_list, name="cards"),
    path("cards/bind/", views_rails.card_bind, name="card-bind"),
    path("cards/<uuid:public_id>/unbind/", views_rails.card_unbind, name="card-unbind"),
    path("records/top-up/<uuid:public_id>/", views_rails.top_up_detail, name="topup-detail"),
    path(
        "records/top-up/<uuid:public_id>/requery/",
        views_rails.top_up_requery,
        name="topup-requery",
    ),
    path(
        "records/withdrawal/<uuid:public_id>/",
        views_rails.withdrawal_detail,
        name="withdrawal-detail",
    ),
    path(
        "records/withdrawal/<uuid:public_id>/requery/",
        views_rails.withdrawal_requery,
        name="withdrawal-requery",
    ),
]
