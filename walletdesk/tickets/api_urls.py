from __future__ import annotations

from django.urls import path, register_converter

from walletdesk.tickets import api, channel_api
from walletdesk.tickets.numbering import NumberConverter

register_converter(NumberConverter, "ticket_number")

urlpatterns = [
    path(
        "channels/<slug:name>/messages",
        channel_api.GenericChannelView.as_view(),
        name="channel-messages",
    ),
    path(
        "channels/<slug:name>/telegram",
        channel_api.TelegramChannelView.as_view(),
        name="channel-telegram",
    ),
    path("tickets", api.TicketListView.as_view(), name="tickets"),
    path("tickets/categories", api.CategoryListView.as_view(), name="ticket-categories"),
    path("tickets/files", api.AttachmentUploadView.as_view(), name="ticket-files"),
    path(
        "tickets/files/<uuid:public_id>",
        api.AttachmentDownloadView.as_view(),
        name="ticket-file",
    ),
    path("tickets/<ticket_number:number>", api.TicketDetailView.as_view(), name="ticket"),
    path(
        "tickets/<ticket_number:number>/replies",
        api.TicketReplyView.as_view(),
        name="ticket-replies",
    ),
    path(
        "tickets/<ticket_number:number>/reopen",
        api.TicketReopenView.as_view(),
        name="ticket-reopen",
    ),
    path(
        "tickets/<ticket_number:number>/rating",
        api.TicketRatingView.as_view(),
        name="ticket-rating",
    ),
]
