from __future__ import annotations

import uuid

from walletdesk.core.ids import valid_uuids


def test_malformed_ids_are_left_out_and_the_rest_kept_in_order() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    values = [str(first), "not-a-uuid", "", 42, second.hex, "1; DROP TABLE"]
    assert valid_uuids(values) == [first, second]
