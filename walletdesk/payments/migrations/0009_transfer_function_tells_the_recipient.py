"""The P2P transfer function also writes the recipient's "money received" notice.

0006's function, plus, in the same transaction: the recipient's `money_received` message on the
channels their transaction-alert preferences choose (as `notifications.actions.notify` writes it
on the Python path: rendered when read, context amount/currency/sender/link), and the result
carries `recipient_id` and `recipient_inbox` so `payments.transfer_sql` can publish the socket
events after commit. Written here rather than after the call because a second transaction costs
a second commit (WAL flush) per transfer, which halved the benchmark's throughput.
"""

import importlib

from django.db import migrations

PREVIOUS = importlib.import_module(
    "walletdesk.payments.migrations.0006_transfer_function_fewer_statements"
)

DECLARE_MORE = """    v_alert jsonb;
    v_sender_name text;
    v_received jsonb;
    v_received_inbox uuid[] := '{}';
"""

RECIPIENT_NOTICE = """    -- The recipient's notice (notifications kind money_received), as
    -- notifications.facade.notify_money_event writes it: rendered when read or delivered.
    SELECT pref.transaction_inbox, pref.transaction_sms, pref.transaction_email
    INTO v_want_inbox, v_want_sms, v_want_email
    FROM notifications_preference AS pref WHERE pref.user_id = v_recipient.id;
    IF NOT FOUND THEN
        v_want_inbox := true;
        v_want_sms := false;
        v_want_email := false;
    END IF;
    IF v_want_inbox OR v_want_sms OR v_want_email THEN
        SELECT COALESCE(NULLIF(person.display_name, ''), person.login_name) INTO v_sender_name
        FROM identity_user AS person WHERE person.id = p_sender_id;
        v_received := jsonb_build_object(
            'amount_minor', p_amount, 'currency', p_currency,
            'link', '/records/transfer_in/' || v_public_id || '/',
            'sender', left(v_sender_name, 80));
    END IF;
    IF v_want_inbox THEN
        INSERT INTO notifications_message
            (public_id, user_id, channel, category, kind, destination, subject, body, link,
             context, redacted, status, provider, provider_ref, error, attempts, created_at,
             sent_at)
        VALUES (gen_random_uuid(), v_recipient.id, 'inbox', 'transaction', 'money_received', '',
                '', '', '/records/transfer_in/' || v_public_id || '/', v_received, false, 'sent',
                '', '', '', 0, p_now, p_now)
        RETURNING public_id INTO v_message_public_id;
        v_received_inbox := v_received_inbox || v_message_public_id;
    END IF;
    IF v_want_sms OR v_want_email THEN
        SELECT NULLIF(person.phone, '') AS phone, NULLIF(person.email, '') AS email
        INTO v_contact
        FROM identity_user AS person WHERE person.id = v_recipient.id;
        FOR v_channel, v_destination IN
            SELECT wanted.channel, wanted.destination FROM (VALUES
                (1, 'sms', CASE WHEN v_want_sms THEN v_contact.phone END),
                (2, 'email', CASE WHEN v_want_email THEN v_contact.email END)
            ) AS wanted(position, channel, destination)
            WHERE wanted.destination IS NOT NULL ORDER BY wanted.position
        LOOP
            INSERT INTO notifications_message
                (public_id, user_id, channel, category, kind, destination, subject, body,
                 link, context, redacted, status, provider, provider_ref, error, attempts,
                 created_at)
            VALUES (gen_random_uuid(), v_recipient.id, v_channel, 'transaction',
                    'money_received', v_destination, '', '',
                    '/records/transfer_in/' || v_public_id || '/', v_received, false, 'queued',
                    '', '', '', 0, p_now)
            RETURNING id INTO v_message_id;
            v_outbound := v_outbound || v_message_id;
        END LOOP;
    END IF;

    -- Amounts as core.money.Money.to_decimal_string writes them"""

OLD_RETURN = """    RETURN json_build_object(
        'status', 201, 'response', v_response, 'inbox', v_inbox, 'outbound', v_outbound);"""

NEW_RETURN = """    RETURN json_build_object(
        'status', 201, 'response', v_response, 'inbox', v_inbox, 'outbound', v_outbound,
        'recipient_id', v_recipient.id, 'recipient_inbox', v_received_inbox);"""


def _create_function() -> str:
    text = PREVIOUS.CREATE_FUNCTION
    for old, new in (
        ("    v_alert jsonb;\n", DECLARE_MORE),
        ("    -- Amounts as core.money.Money.to_decimal_string writes them", RECIPIENT_NOTICE),
        (OLD_RETURN, NEW_RETURN),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


CREATE_FUNCTION = _create_function()


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS.CREATE_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0008_translatable_field_names")]

    operations = [migrations.RunPython(forward, backward)]
