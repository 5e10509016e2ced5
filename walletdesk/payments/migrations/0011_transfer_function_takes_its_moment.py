"""The P2P transfer function takes the moment the transfer happens (`p_at`, default now()).

0009's function, with one more argument: every row the transfer writes (the ledger entry, the
transfer, both records, the notices) and its response carry `p_at`, so demo seeding can place
history in the past through the same function (`operations.transfer(at=…)`). The idempotency
record keeps `p_now`, the real clock: its age decides when it is pruned, and a backdated record
would be pruned early and let a retry post twice. Called without `p_at` it behaves as before.
"""

import importlib

from django.db import migrations

PREVIOUS = importlib.import_module(
    "walletdesk.payments.migrations.0009_transfer_function_tells_the_recipient"
)

OLD_SIGNATURE = """    p_now timestamptz,
    p_title_template text
) RETURNS json"""

NEW_SIGNATURE = """    p_now timestamptz,
    p_title_template text,
    p_at timestamptz DEFAULT now()
) RETURNS json"""

IDEMPOTENCY_ROW = "VALUES (p_scope, p_key, p_request_hash, 201, v_response::text, p_now);"
KEEP = "@@IDEMPOTENCY_ROW@@"

DROP_PREVIOUS = """
DROP FUNCTION IF EXISTS payments_transfer(
    text, text, text, bigint, bigint, text, text, integer, bigint, bigint, bigint, bigint,
    bigint, date, text, timestamptz, text);
"""

DROP_FUNCTION = """
DROP FUNCTION IF EXISTS payments_transfer(
    text, text, text, bigint, bigint, text, text, integer, bigint, bigint, bigint, bigint,
    bigint, date, text, timestamptz, text, timestamptz)
"""


def _create_function() -> str:
    text = PREVIOUS.CREATE_FUNCTION
    for old in (OLD_SIGNATURE, IDEMPOTENCY_ROW):
        assert text.count(old) == 1, old
    text = text.replace(OLD_SIGNATURE, NEW_SIGNATURE).replace(IDEMPOTENCY_ROW, KEEP)
    # Only the body's uses: the signature's `p_now timestamptz` stays.
    head, body = text.split("AS $$", 1)
    body = body.replace("p_now", "p_at").replace(KEEP, IDEMPOTENCY_ROW)
    return DROP_PREVIOUS + head + "AS $$" + body


CREATE_FUNCTION = _create_function()


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTION, params=None)
        schema_editor.execute(PREVIOUS.CREATE_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0010_refused_attempts_and_withdrawal_fee_method")]

    operations = [migrations.RunPython(forward, backward)]
