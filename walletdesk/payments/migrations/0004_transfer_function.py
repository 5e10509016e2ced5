"""The P2P transfer as one PostgreSQL function: one round trip for the whole command.

`payments.transfers_postgres` calls it; on SQLite the same command runs in Python
(`payments.operations.transfer`), and both are held to the same tests. It performs, in one
statement, what the Python path does in a dozen: the idempotency lookup, the recipient lookup,
row locks in the ledger's global order, the limit check and usage counter, the conditional
debit, the balanced entry with its postings, the transfer row, both customers' records, the
debit alert in the notifications outbox, and the stored outcome under the idempotency key.

Every refusal is returned before the first write (as {"error": code}), so the caller only has to
raise; the only exception it can meet is the unique violation of a concurrent request with the
same idempotency key, which the caller answers with the winner's outcome.
"""

from django.db import migrations

CREATE_FUNCTION = r"""
CREATE OR REPLACE FUNCTION payments_transfer(
    p_scope text,
    p_key text,
    p_request_hash text,
    p_sender_id bigint,
    p_sender_account bigint,
    p_recipient_login text,
    p_currency text,
    p_exponent integer,
    p_amount bigint,
    p_fee bigint,
    p_fee_account bigint,
    p_per_transaction bigint,
    p_per_day bigint,
    p_day date,
    p_memo text,
    p_public_id uuid,
    p_now timestamptz,
    p_title_template text
) RETURNS json
LANGUAGE plpgsql
AS $$
DECLARE
    v_stored record;
    v_recipient record;
    v_recipient_name text;
    v_recipient_account bigint;
    v_used bigint;
    v_debit bigint := p_amount + p_fee;
    v_entry_id bigint;
    v_alert_minor bigint;
    v_alert_currency text;
    v_want_inbox boolean;
    v_want_sms boolean;
    v_want_email boolean;
    v_contact record;
    v_channel text;
    v_destination text;
    v_response text;
    v_inbox uuid[] := '{}';
    v_outbound bigint[] := '{}';
    v_message_id bigint;
    v_message_public_id uuid;
    v_alert jsonb;
BEGIN
    -- A stored outcome under this key: the caller compares the request fingerprints.
    SELECT record.request_hash, record.response_status, record.response INTO v_stored
    FROM ledger_idempotencyrecord AS record
    WHERE record.scope = p_scope AND record.key = p_key;
    IF FOUND THEN
        RETURN json_build_object(
            'replay', true, 'request_hash', v_stored.request_hash,
            'status', v_stored.response_status, 'response', v_stored.response);
    END IF;

    SELECT person.id, person.display_name, person.login_name, person.is_active, person.role,
           wallet.status AS wallet_status
    INTO v_recipient
    FROM identity_user AS person JOIN payments_wallet AS wallet ON wallet.user_id = person.id
    WHERE person.login_name = p_recipient_login;
    IF NOT FOUND OR NOT v_recipient.is_active OR v_recipient.role <> 'customer' THEN
        RETURN json_build_object('error', 'recipient_not_found');
    END IF;
    IF v_recipient.id = p_sender_id THEN
        RETURN json_build_object('error', 'self_transfer');
    END IF;
    IF v_recipient.wallet_status = 'closed' THEN
        RETURN json_build_object('error', 'recipient_cannot_receive');
    END IF;
    v_recipient_name := COALESCE(NULLIF(v_recipient.display_name, ''), v_recipient.login_name);

    SELECT account.id INTO v_recipient_account
    FROM ledger_ledgeraccount AS account
    WHERE account.code = 'wallet:' || v_recipient.id || ':' || p_currency;
    IF NOT FOUND THEN
        RETURN json_build_object(
            'error', 'recipient_account_missing', 'recipient_id', v_recipient.id);
    END IF;

    -- The global lock order (ledger.actions): accounts that must not go negative first, then
    -- system accounts, each by primary key.
    PERFORM 1 FROM ledger_ledgeraccount AS account
    WHERE account.id IN (p_sender_account, v_recipient_account, p_fee_account)
    ORDER BY account.allow_negative, account.id
    FOR UPDATE;

    IF p_per_transaction IS NOT NULL THEN
        IF p_amount > p_per_transaction THEN
            RETURN json_build_object('error', 'limit_exceeded', 'period', 'single');
        END IF;
        SELECT counter.total INTO v_used
        FROM payments_usagecounter AS counter
        WHERE counter.user_id = p_sender_id AND counter.operation = 'transfer'
            AND counter.currency = p_currency AND counter.day = p_day
        FOR UPDATE;
        IF COALESCE(v_used, 0) + p_amount > p_per_day THEN
            RETURN json_build_object('error', 'limit_exceeded', 'period', 'daily');
        END IF;
    END IF;

    -- The debit is conditional on the checks (the rows are locked); when it does not happen,
    -- nothing has been written yet.
    UPDATE ledger_ledgeraccount AS account SET posted = account.posted - v_debit
    WHERE account.id = p_sender_account AND NOT account.debits_blocked
        AND account.posted - account.held >= v_debit;
    IF NOT FOUND THEN
        IF (SELECT account.debits_blocked FROM ledger_ledgeraccount AS account
            WHERE account.id = p_sender_account) THEN
            RETURN json_build_object('error', 'account_frozen');
        END IF;
        RETURN json_build_object('error', 'insufficient_balance');
    END IF;
    UPDATE ledger_ledgeraccount AS account SET posted = account.posted + p_amount
    WHERE account.id = v_recipient_account;
    IF p_fee > 0 THEN
        UPDATE ledger_ledgeraccount AS account SET posted = account.posted + p_fee
        WHERE account.id = p_fee_account;
    END IF;

    IF p_per_transaction IS NOT NULL THEN
        INSERT INTO payments_usagecounter AS counter
            (user_id, operation, currency, day, total, count)
        VALUES (p_sender_id, 'transfer', p_currency, p_day, p_amount, 1)
        ON CONFLICT (user_id, operation, currency, day) DO UPDATE
        SET total = counter.total + EXCLUDED.total, count = counter.count + 1;
    END IF;

    INSERT INTO ledger_journalentry (public_id, kind, memo, reference, actor, created_at)
    VALUES (gen_random_uuid(), 'transfer', p_memo, 'transfer:' || p_public_id,
            'user:' || p_sender_id, p_now)
    RETURNING id INTO v_entry_id;
    IF p_fee > 0 THEN
        INSERT INTO ledger_posting (entry_id, account_id, amount, currency)
        VALUES (v_entry_id, p_sender_account, -v_debit, p_currency),
               (v_entry_id, v_recipient_account, p_amount, p_currency),
               (v_entry_id, p_fee_account, p_fee, p_currency);
    ELSE
        INSERT INTO ledger_posting (entry_id, account_id, amount, currency)
        VALUES (v_entry_id, p_sender_account, -v_debit, p_currency),
               (v_entry_id, v_recipient_account, p_amount, p_currency);
    END IF;

    INSERT INTO payments_transfer
        (public_id, sender_id, recipient_id, currency, amount, fee, memo, entry_id, created_at)
    VALUES (p_public_id, p_sender_id, v_recipient.id, p_currency, p_amount, p_fee, p_memo,
            v_entry_id, p_now);
    INSERT INTO payments_activity
        (user_id, type, status, currency, amount, fee, title, counterparty, object_public_id,
         created_at)
    VALUES
        (p_sender_id, 'transfer_out', 'succeeded', p_currency, -v_debit, p_fee,
         left(replace(p_title_template, '%(name)s', v_recipient_name), 120),
         left(v_recipient_name, 120), p_public_id, p_now),
        (v_recipient.id, 'transfer_in', 'succeeded', p_currency, p_amount, 0, '', '',
         p_public_id, p_now);

    -- The debit alert goes to the notifications outbox; its text is rendered when it is read
    -- or delivered (notifications.models.Message.context).
    SELECT pref.debit_alert_minor, pref.debit_alert_currency, pref.transaction_inbox,
           pref.transaction_sms, pref.transaction_email
    INTO v_alert_minor, v_alert_currency, v_want_inbox, v_want_sms, v_want_email
    FROM notifications_preference AS pref WHERE pref.user_id = p_sender_id;
    IF NOT FOUND THEN
        -- No preferences saved: the defaults of notifications.models.Preference.
        v_alert_minor := 0;
        v_alert_currency := 'CNY';
        v_want_inbox := true;
        v_want_sms := false;
        v_want_email := false;
    END IF;
    IF NOT (p_currency = v_alert_currency AND v_debit < v_alert_minor) THEN
        -- As notifications.actions.debit_alert_context writes it.
        v_alert := jsonb_build_object(
            'amount_minor', v_debit, 'currency', p_currency,
            'reference', left('transfer:' || p_public_id, 40), 'description_code', 'transfer');
        IF v_want_inbox THEN
            INSERT INTO notifications_message
                (public_id, user_id, channel, category, kind, destination, subject, body, link,
                 context, redacted, status, provider, provider_ref, error, attempts, created_at,
                 sent_at)
            VALUES (gen_random_uuid(), p_sender_id, 'inbox', 'transaction', 'debit', '', '', '',
                    '', v_alert, false, 'sent', '', '', '', 0, p_now, p_now)
            RETURNING public_id INTO v_message_public_id;
            v_inbox := v_inbox || v_message_public_id;
        END IF;
        IF v_want_sms OR v_want_email THEN
            SELECT NULLIF(person.phone, '') AS phone, NULLIF(person.email, '') AS email
            INTO v_contact
            FROM identity_user AS person WHERE person.id = p_sender_id;
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
                VALUES (gen_random_uuid(), p_sender_id, v_channel, 'transaction', 'debit',
                        v_destination, '', '', '', v_alert, false, 'queued', '', '', '',
                        0, p_now)
                RETURNING id INTO v_message_id;
                v_outbound := v_outbound || v_message_id;
            END LOOP;
        END IF;
    END IF;

    -- Amounts as core.money.Money.to_decimal_string writes them, the time as ISO 8601 in UTC.
    v_response := json_build_object(
        'id', p_public_id, 'type', 'transfer', 'status', 'succeeded',
        'amount', round(p_amount::numeric / 10::numeric ^ p_exponent, p_exponent)::text,
        'fee', round(p_fee::numeric / 10::numeric ^ p_exponent, p_exponent)::text,
        'currency', p_currency, 'recipient', v_recipient_name, 'memo', p_memo,
        'created_at', to_char(p_now AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text;
    INSERT INTO ledger_idempotencyrecord
        (scope, key, request_hash, response_status, response, created_at)
    VALUES (p_scope, p_key, p_request_hash, 201, v_response, p_now);
    RETURN json_build_object(
        'status', 201, 'response', v_response, 'inbox', v_inbox, 'outbound', v_outbound);
END;
$$;
"""

DROP_FUNCTION = """
DROP FUNCTION IF EXISTS payments_transfer(
    text, text, text, bigint, bigint, text, text, integer, bigint, bigint, bigint, bigint,
    bigint, date, text, uuid, timestamptz, text)
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_fewer_indexes"),
        ("ledger", "0004_fewer_indexes"),
        ("notifications", "0002_message_context"),
        ("identity", "0003_audit_append_only"),
    ]

    operations = [migrations.RunPython(forward, backward)]
