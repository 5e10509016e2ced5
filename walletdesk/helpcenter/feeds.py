from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from walletdesk.helpcenter import selectors
from walletdesk.helpcenter.models import Announcement


class AnnouncementsFeed(Feed):  # type: ignore[type-arg]
    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> str:
        return selectors.normalize_language(get_language())

    def title(self) -> str:
        return _("WalletDesk announcements")

    def link(self) -> str:
        return reverse("helpcenter:announcements")

    def description(self) -> str:
        return _("Maintenance windows, promotions and policy changes.")

    def items(self, language: str) -> list[Announcement]:
        return list(selectors.recent_announcements(language, limit=30))

    def item_title(self, item: Announcement) -> str:
        return item.title

    def item_description(self, item: Announcement) -> str:
        return item.body

    def item_link(self, item: Announcement) -> str:
        return reverse("helpcenter:announcements") + f"#a-{item.public_id}"

    def item_guid(self, item: Announcement) -> str:
        return f"urn:uuid:{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Announcement) -> datetime:
        return item.starts_at

    def item_updateddate(self, item: Announcement) -> datetime:
        return item.created_at


class AnnouncementsAtomFeed(AnnouncementsFeed):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()
