from __future__ import annotations

from django.urls import path

from walletdesk.tickets import api

urlpatterns = [
    path("tickets", api.TicketListView.as_view(), name="tickets"),
    path("tickets/categories", api.CategoryListView.as_view(), name="ticket-categories"),
    path("tickets/<str:number>", api.TicketDetailView.as_view(), name="ticket"),
    path("tickets/<str:number>/replies", api.TicketReplyView.as_view(), name="ticket-replies"),
    path("tickets/<str:number>/reopen", api.TicketReopenView.as_view(), name="ticket-reopen"),
    path("tickets/<str:number>/rating", api.TicketRatingView.as_view(), name="ticket-rating"),
]
