-- The P2P transfer on PostgreSQL: payments_transfer, called once per transfer by
-- payments.transfer_sql (one round trip instead of a dozen ORM statements; docs/ledger.md,
-- "Throughput").
--
-- It writes only payments' own tables (the usage counter, the transfer, both customers'
-- records). The ledger entry, the balances and the idempotency record go through the ledger's
-- ledger_post_entry (ledger/sql/post_entry.sql); the notices through the notifications'
-- notifications_transaction_notice (notifications/sql/transaction_notice.sql).
--
-- Decided in Python and passed in: the fee, the limit rule, the day the limit counts, the
-- translated record title, the response's money and time texts. Decided here, and also in
-- Python (operations._transfer): who may receive, the limit comparison, the record's names. The
-- parity test (payments/tests/test_transfer_parity.py) runs every scenario through both paths
-- on PostgreSQL and compares what they write.
--
-- Loaded by payments migration 0013 (and by any later migration that loads this file again
-- after a change): edit it here, never inline in a migration.
--
-- Refusals found before any write are returned ({"error": code, ...}); a refusal at the
-- sender's debit raises SQLSTATE WD001 from the ledger, which undoes the call.
CREATE OR REPLACE FUNCTION payments_transfer(
    p_scope text,
    p_key text,
    p_request_hash text,
    p_sender_id bigint,
    p_sender_account bigint,
    p_recipient_login text,
    p_currency text,
    p_amount bigint,
    p_fee bigint,
    p_fee_account bigint,
    p_per_transaction bigint,
    p_per_day bigint,
    p_day date,
    p_memo text,
    p_amount_text text,
    p_fee_text text,
    p_created_at_text text,
    p_title_template text,
    p_at timestamptz,
    p_now timestamptz
) RETURNS json
LANGUAGE plpgsql
AS $$
DECLARE
    v_stored json;
    v_recipient record;
    v_recipient_name text;
    v_sender_name text;
    v_public_id uuid := gen_random_uuid();
    v_debit bigint := p_amount + p_fee;
    v_entry_id bigint;
    v_response json;
    v_sender_notice json;
    v_recipient_notice json;
BEGIN
    v_stored := ledger_stored_outcome(p_scope, p_key);
    IF v_stored IS NOT NULL THEN
        RETURN v_stored;
    END IF;

    -- Who may receive: as operations.resolve_recipient (an active customer with a wallet).
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
    -- As identity's User.__str__.
    v_recipient_name := COALESCE(NULLIF(v_recipient.display_name, ''), v_recipient.login_name);

    -- The limits: as limits.check_and_record_usage.
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

    v_response := json_build_object(
        'id', v_public_id, 'type', 'transfer', 'status', 'succeeded',
        'amount', p_amount_text, 'fee', p_fee_text, 'currency', p_currency,
        'recipient', v_recipient_name, 'memo', p_memo, 'created_at', p_created_at_text);
    v_entry_id := ledger_post_entry(
        p_scope, p_key, p_request_hash, 201, v_response,
        'transfer', p_memo, 'transfer:' || v_public_id, 'user:' || p_sender_id,
        CASE WHEN p_fee > 0
            THEN ARRAY[p_sender_account, v_recipient.account_id, p_fee_account]
            ELSE ARRAY[p_sender_account, v_recipient.account_id] END,
        CASE WHEN p_fee > 0
            THEN ARRAY[-v_debit, p_amount, p_fee]
            ELSE ARRAY[-v_debit, p_amount] END,
        p_at, p_now);

    INSERT INTO payments_transfer
        (public_id, sender_id, recipient_id, currency, amount, fee, memo, entry_id, created_at)
    VALUES (v_public_id, p_sender_id, v_recipient.id, p_currency, p_amount, p_fee, p_memo,
            v_entry_id, p_at);
    INSERT INTO payments_activity
        (user_id, type, status, currency, amount, fee, title, counterparty, object_public_id,
         created_at)
    VALUES
        (p_sender_id, 'transfer_out', 'succeeded', p_currency, -v_debit, p_fee,
         left(replace(p_title_template, '%(name)s', v_recipient_name), 120),
         left(v_recipient_name, 120), v_public_id, p_at),
        (v_recipient.id, 'transfer_in', 'succeeded', p_currency, p_amount, 0, '', '',
         v_public_id, p_at);

    -- The notices' contexts: as notifications.facade.debit_alert_context and
    -- notify_money_event build them.
    v_sender_notice := notifications_transaction_notice(
        p_sender_id, 'debit',
        jsonb_build_object(
            'amount_minor', v_debit, 'currency', p_currency,
            'reference', left('transfer:' || v_public_id, 40), 'description_code', 'transfer'),
        p_at);
    SELECT COALESCE(NULLIF(person.display_name, ''), person.login_name) INTO v_sender_name
    FROM identity_user AS person WHERE person.id = p_sender_id;
    v_recipient_notice := notifications_transaction_notice(
        v_recipient.id, 'money_received',
        jsonb_build_object(
            'amount_minor', p_amount, 'currency', p_currency,
            'link', '/records/transfer_in/' || v_public_id || '/',
            'sender', left(v_sender_name, 80)),
        p_at);

    RETURN json_build_object(
        'status', 201, 'response', v_response, 'recipient_id', v_recipient.id,
        'sender_notice', v_sender_notice, 'recipient_notice', v_recipient_notice);
END;
$$;
