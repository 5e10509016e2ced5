from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("position", ["9" * 4301, "²", "12345"])
def test_a_click_position_that_is_no_small_number_is_ignored(
    help_articles: list[Any], position: str
) -> None:
    """int() of 4,301 digits (Python's integer-string limit) or of "²" raised: a 500."""
    slug = help_articles[0].slug
    response = Client().get(f"/help/a/{slug}/", {"qid": "1", "pos": position})
    assert response.status_code == 200
