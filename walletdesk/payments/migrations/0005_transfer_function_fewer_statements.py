"""The transfer function in six statements instead of fifteen.

What `payments_transfer()` does is unchanged (0004 describes it), and so is the order of its
checks; how: one read finds a stored outcome under the key, the recipient with their wallet and
ledger account, and the sender's alert settings (three reads before); the locking read of the
accounts returns what the checks need, and one update moves all the balances (a conditional
debit, then a credit and the fee before); and one statement writes the entry, its postings, the
transfer, both records, the stored outcome and the in-app alert (six before). Each statement a
PL/pgSQL function runs is planned, started and finished by the executor on its own, and each
write compiles its table's check constraints again; fewer of them is less work for every
transfer. Every refusal is still decided before the first write.
"""

import importlib

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
    v_found record;
    v_account record;
    v_sender record;
    v_recipient_name text;
    v_debit bigint := p_amount + p_fee;
    v_used bigint;
    v_alert jsonb;
    v_want_sms boolean;
    v_want_email boolean;
    v_contact record;
    v_channel text;
    v_destination text;
    v_response text;
    v_message_public_id uuid;
    v_message_id bigint;
    v_outbound bigint[] := '{}';
BEGIN
    -- One read for everything the checks need: a stored outcome under this key, the recipient
    -- with their wallet and ledger account in this currency, and the sender's alert settings.
    SELECT stored.id IS NOT NULL AS replay, stored.request_hash, stored.response_status,
           stored.response,
           person.id AS recipient_id, person.display_name, person.login_name, person.is_active,
           person.role, wallet.status AS wallet_status, account.id AS recipient_account,
           COALESCE(pref.debit_alert_minor, 0) AS alert_minor,
           COALESCE(pref.debit_alert_currency, 'CNY') AS alert_currency,
           COALESCE(pref.transaction_inbox, true) AS want_inbox,
           COALESCE(pref.transaction_sms, false) AS want_sms,
           COALESCE(pref.transaction_email, false) AS want_email
    INTO v_found
    FROM (SELECT 1) AS request
    LEFT JOIN ledger_idempotencyrecord AS stored
        ON stored.scope = p_scope AND stored.key = p_key
    LEFT JOIN (identity_user AS person JOIN payments_wallet AS wallet ON wallet.user_id = person.id)
        ON person.login_name = p_recipient_login
    LEFT JOIN ledger_ledgeraccount AS account
        ON account.code = 'wallet:' || person.id || ':' || p_currency
    LEFT JOIN notifications_preference AS pref ON pref.user_id = p_sender_id;

    IF v_found.replay THEN
        RETURN json_build_object(
            'replay', true, 'request_hash', v_found.request_hash,
            'status', v_found.response_status, 'response', v_found.response);
    END IF;
    IF v_found.recipient_id IS NULL OR NOT v_found.is_active
            OR v_found.role <> 'customer' THEN
        RETURN json_build_object('error', 'recipient_not_found');
    END IF;
    IF v_found.recipient_id = p_sender_id THEN
        RETURN json_build_object('error', 'self_transfer');
    END IF;
    IF v_found.wallet_status = 'closed' THEN
        RETURN json_build_object('error', 'recipient_cannot_receive');
    END IF;
    IF v_found.recipient_account IS NULL THEN
        RETURN json_build_object(
            'error', 'recipient_account_missing', 'recipient_id', v_found.recipient_id);
    END IF;
    IF p_amount > p_per_transaction THEN
        RETURN json_build_object('error', 'limit_exceeded', 'period', 'single');
    END IF;

    -- The global lock order (ledger.actions.lock_accounts): accounts that must not go negative
    -- first, then system accounts, each by primary key. The usage counter comes after them, as
    -- on the Python path. The checks below read the locked rows: nothing can change them before
    -- this transaction ends.
    FOR v_account IN
        SELECT account.id, account.posted, account.held, account.debits_blocked
        FROM ledger_ledgeraccount AS account
        WHERE account.id IN (p_sender_account, v_found.recipient_account, p_fee_account)
        ORDER BY account.allow_negative, account.id
        FOR UPDATE
    LOOP
        IF v_account.id = p_sender_account THEN
            v_sender := v_account;
        END IF;
    END LOOP;
    IF p_per_day IS NOT NULL THEN
        SELECT counter.total INTO v_used
        FROM payments_usagecounter AS counter
        WHERE counter.user_id = p_sender_id AND counter.operation = 'transfer'
            AND counter.currency = p_currency AND counter.day = p_day
        FOR UPDATE;
        IF COALESCE(v_used, 0) + p_amount > p_per_day THEN
            RETURN json_build_object('error', 'limit_exceeded', 'period', 'daily');
        END IF;
    END IF;
    IF v_sender.debits_blocked THEN
        RETURN json_build_object('error', 'account_frozen');
    END IF;
    IF v_sender.posted - v_sender.held < v_debit THEN
        RETURN json_build_object('error', 'insufficient_balance');
    END IF;

    -- Nothing has been written before this point.
    UPDATE ledger_ledgeraccount AS account SET posted = account.posted + leg.delta
    FROM (VALUES (p_sender_account, -v_debit), (v_found.recipient_account, p_amount),
                 (p_fee_account, p_fee)) AS leg (id, delta)
    WHERE account.id = leg.id AND leg.delta <> 0;
    IF p_per_day IS NOT NULL THEN
        INSERT INTO payments_usagecounter AS counter
            (user_id, operation, currency, day, total, count)
        VALUES (p_sender_id, 'transfer', p_currency, p_day, p_amount, 1)
        ON CONFLICT (user_id, operation, currency, day) DO UPDATE
        SET total = counter.total + EXCLUDED.total, count = counter.count + 1;
    END IF;

    v_recipient_name := COALESCE(NULLIF(v_found.display_name, ''), v_found.login_name);
    -- Amounts as core.money.Money.to_decimal_string writes them, the time as ISO 8601 in UTC.
    v_response := json_build_object(
        'id', p_public_id, 'type', 'transfer', 'status', 'succeeded',
        'amount', round(p_amount::numeric / 10::numeric ^ p_exponent, p_exponent)::text,
        'fee', round(p_fee::numeric / 10::numeric ^ p_exponent, p_exponent)::text,
        'currency', p_currency, 'recipient', v_recipient_name, 'memo', p_memo,
        'created_at', to_char(p_now AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text;
    -- The debit alert (notifications.actions.debit_alert_context); its text is rendered when it
    -- is read or delivered (notifications.models.Message.context).
    IF NOT (p_currency = v_found.alert_currency AND v_debit < v_found.alert_minor) THEN
        v_alert := jsonb_build_object(
            'amount_minor', v_debit, 'currency', p_currency,
            'reference', left('transfer:' || p_public_id, 40), 'description_code', 'transfer');
    END IF;

    -- Everything the transfer writes, in one statement: the entry and its postings, the
    -- transfer, both customers' records, the stored outcome and the in-app alert.
    WITH entry AS (
        INSERT INTO ledger_journalentry (public_id, kind, memo, reference, actor, created_at)
        VALUES (gen_random_uuid(), 'transfer', p_memo, 'transfer:' || p_public_id,
                'user:' || p_sender_id, p_now)
        RETURNING id
    ), postings AS (
        INSERT INTO ledger_posting (entry_id, account_id, amount, currency)
        SELECT entry.id, leg.account_id, leg.amount, p_currency
        FROM entry, (VALUES (1, p_sender_account, -v_debit),
                            (2, v_found.recipient_account, p_amount),
                            (3, p_fee_account, p_fee)) AS leg (position, account_id, amount)
        WHERE leg.amount <> 0
        ORDER BY leg.position
    ), transfer AS (
        INSERT INTO payments_transfer
            (public_id, sender_id, recipient_id, currency, amount, fee, memo, entry_id,
             created_at)
        SELECT p_public_id, p_sender_id, v_found.recipient_id, p_currency, p_amount, p_fee,
               p_memo, entry.id, p_now
        FROM entry
    ), records AS (
        INSERT INTO payments_activity
            (user_id, type, status, currency, amount, fee, title, counterparty,
             object_public_id, created_at)
        VALUES
            (p_sender_id, 'transfer_out', 'succeeded', p_currency, -v_debit, p_fee,
             left(replace(p_title_template, '%(name)s', v_recipient_name), 120),
             left(v_recipient_name, 120), p_public_id, p_now),
            (v_found.recipient_id, 'transfer_in', 'succeeded', p_currency, p_amount, 0, '', '',
             p_public_id, p_now)
    ), outcome AS (
        INSERT INTO ledger_idempotencyrecord
            (scope, key, request_hash, response_status, response, created_at)
        VALUES (p_scope, p_key, p_request_hash, 201, v_response, p_now)
    )
    INSERT INTO notifications_message
        (public_id, user_id, channel, category, kind, destination, subject, body, link,
         context, redacted, status, provider, provider_ref, error, attempts, created_at,
         sent_at)
    SELECT gen_random_uuid(), p_sender_id, 'inbox', 'transaction', 'debit', '', '', '', '',
           v_alert, false, 'sent', '', '', '', 0, p_now, p_now
    WHERE v_alert IS NOT NULL AND v_found.want_inbox
    RETURNING public_id INTO v_message_public_id;

    v_want_sms := v_alert IS NOT NULL AND v_found.want_sms;
    v_want_email := v_alert IS NOT NULL AND v_found.want_email;
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

    RETURN json_build_object(
        'status', 201, 'response', v_response,
        'inbox', CASE WHEN v_message_public_id IS NULL THEN '{}'::uuid[]
                      ELSE ARRAY[v_message_public_id] END,
        'outbound', v_outbound);
END;
$$;
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_FUNCTION, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        previous = importlib.import_module("walletdesk.payments.migrations.0004_transfer_function")
        schema_editor.execute(previous.CREATE_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0004_transfer_function")]

    operations = [migrations.RunPython(forward, backward)]
