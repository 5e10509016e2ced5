"""The P2P transfer function in twelve statements instead of fifteen.

Changes from 0004, each measured (docs/ledger.md, "Throughput"):

- The recipient's wallet account is found in the same query as the recipient.
- The daily limit is checked and counted by one conditional upsert of the usage counter: the
  `ON CONFLICT … DO UPDATE … WHERE` re-checks the condition on the locked, latest row, so two
  concurrent transfers of one customer cannot both pass it. The counter row is locked before the
  accounts; it is written by this function only, so no other lock order meets it.
- The balances are updated in the ledger's lock order directly (wallets by id, then the fee
  account) instead of being locked by a separate `SELECT … FOR UPDATE` first. When the debit is
  refused after the usage counter or the recipient's balance has been written, the function
  raises with SQLSTATE WD001 and the refusal's code as the message, which undoes the whole call;
  `payments.transfer_sql` turns it into the same typed error as before.
- The transfer's public id is generated here, and the outcome is returned as JSON rather than as
  JSON text inside JSON, so the caller parses it once.

Refusals found before the first write are still returned as {"error": code}.
"""

import importlib

from django.db import migrations

CREATE_FUNCTION = r"""
DROP FUNCTION IF EXISTS payments_transfer(
    text, text, text, bigint, bigint, text, text, integer, bigint, bigint, bigint, bigint,
    bigint, date, text, uuid, timestamptz, text);

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
    p_now timestamptz,
    p_title_template text
) RETURNS json
LANGUAGE plpgsql
AS $$
DECLARE
    v_stored record;
    v_recipient record;
    v_recipient_name text;
    v_public_id uuid := gen_random_uuid();
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
    v_response json;
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
           wallet.status AS wallet_status, account.id AS account_id
    INTO v_recipient
    FROM identity_user AS person
    JOIN payments_wallet AS wallet ON wallet.user_id = person.id
    LEFT JOIN ledger_ledgeraccount AS account
        ON account.code = 'wallet:' || person.id || ':' || p_currency
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
    IF v_recipient.account_id IS NULL THEN
        RETURN json_build_object(
            'error', 'recipient_account_missing', 'recipient_id', v_recipient.id);
    END IF;
    v_recipient_name := COALESCE(NULLIF(v_recipient.display_name, ''), v_recipient.login_name);

    IF p_per_transaction IS NOT NULL THEN
        IF p_amount > p_per_transaction THEN
            RETURN json_build_object('error', 'limit_exceeded', 'period', 'single');
        END IF;
        IF p_amount > p_per_day THEN
            RETURN json_build_object('error', 'limit_exceeded', 'period', 'daily');
        END IF;
        INSERT INTO payments_usagecounter AS counter
            (user_id, operation, currency, day, total, count)
        VALUES (p_sender_id, 'transfer', p_currency, p_day, p_amount, 1)
        ON CONFLICT (user_id, operation, currency, day) DO UPDATE
        SET total = counter.total + EXCLUDED.total, count = counter.count + 1
        WHERE counter.total + EXCLUDED.total <= p_per_day;
        IF NOT FOUND THEN
            RETURN json_build_object('error', 'limit_exceeded', 'period', 'daily');
        END IF;
    END IF;

    -- The ledger's lock order (ledger.actions.lock_accounts): accounts that must not go
    -- negative first, by primary key, then the system accounts. The debit is conditional; if it
    -- is refused after a write, raising undoes the call.
    IF v_recipient.account_id < p_sender_account THEN
        UPDATE ledger_ledgeraccount AS account SET posted = account.posted + p_amount
        WHERE account.id = v_recipient.account_id;
    END IF;
    UPDATE ledger_ledgeraccount AS account SET posted = account.posted - v_debit
    WHERE account.id = p_sender_account AND NOT account.debits_blocked
        AND account.posted - account.held >= v_debit;
    IF NOT FOUND THEN
        IF (SELECT account.debits_blocked FROM ledger_ledgeraccount AS account
            WHERE account.id = p_sender_account) THEN
            RAISE EXCEPTION USING ERRCODE = 'WD001', MESSAGE = 'account_frozen';
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'WD001', MESSAGE = 'insufficient_balance';
    END IF;
    IF v_recipient.account_id > p_sender_account THEN
        UPDATE ledger_ledgeraccount AS account SET posted = account.posted + p_amount
        WHERE account.id = v_recipient.account_id;
    END IF;
    IF p_fee > 0 THEN
        UPDATE ledger_ledgeraccount AS account SET posted = account.posted + p_fee
        WHERE account.id = p_fee_account;
    END IF;

    INSERT INTO ledger_journalentry (public_id, kind, memo, reference, actor, created_at)
    VALUES (gen_random_uuid(), 'transfer', p_memo, 'transfer:' || v_public_id,
            'user:' || p_sender_id, p_now)
    RETURNING id INTO v_entry_id;
    IF p_fee > 0 THEN
        INSERT INTO ledger_posting (entry_id, account_id, amount, currency)
        VALUES (v_entry_id, p_sender_account, -v_debit, p_currency),
               (v_entry_id, v_recipient.account_id, p_amount, p_currency),
               (v_entry_id, p_fee_account, p_fee, p_currency);
    ELSE
        INSERT INTO ledger_posting (entry_id, account_id, amount, currency)
        VALUES (v_entry_id, p_sender_account, -v_debit, p_currency),
               (v_entry_id, v_recipient.account_id, p_amount, p_currency);
    END IF;

    INSERT INTO payments_transfer
        (public_id, sender_id, recipient_id, currency, amount, fee, memo, entry_id, created_at)
    VALUES (v_public_id, p_sender_id, v_recipient.id, p_currency, p_amount, p_fee, p_memo,
            v_entry_id, p_now);
    INSERT INTO payments_activity
        (user_id, type, status, currency, amount, fee, title, counterparty, object_public_id,
         created_at)
    VALUES
        (p_sender_id, 'transfer_out', 'succeeded', p_currency, -v_debit, p_fee,
         left(replace(p_title_template, '%(name)s', v_recipient_name), 120),
         left(v_recipient_name, 120), v_public_id, p_now),
        (v_recipient.id, 'transfer_in', 'succeeded', p_currency, p_amount, 0, '', '',
         v_public_id, p_now);

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
            'reference', left('transfer:' || v_public_id, 40), 'description_code', 'transfer');
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
        'id', v_public_id, 'type', 'transfer', 'status', 'succeeded',
        'amount', round(p_amount::numeric / 10::numeric ^ p_exponent, p_exponent)::text,
        'fee', round(p_fee::numeric / 10::numeric ^ p_exponent, p_exponent)::text,
        'currency', p_currency, 'recipient', v_recipient_name, 'memo', p_memo,
        'created_at', to_char(p_now AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
    INSERT INTO ledger_idempotencyrecord
        (scope, key, request_hash, response_status, response, created_at)
    VALUES (p_scope, p_key, p_request_hash, 201, v_response::text, p_now);
    RETURN json_build_object(
        'status', 201, 'response', v_response, 'inbox', v_inbox, 'outbound', v_outbound);
END;
$$;
"""

DROP_FUNCTION = """
DROP FUNCTION IF EXISTS payments_transfer(
    text, text, text, bigint, bigint, text, text, integer, bigint, bigint, bigint, bigint,
    bigint, date, text, timestamptz, text)
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        previous = importlib.import_module("walletdesk.payments.migrations.0004_transfer_function")
        schema_editor.execute(DROP_FUNCTION, params=None)
        schema_editor.execute(previous.CREATE_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_transfer_parties_without_constraint")]

    operations = [migrations.RunPython(forward, backward)]
