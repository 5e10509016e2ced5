-- The notifications' database function: the only SQL that writes the notifications' tables.
--
-- A transaction notice (kind `debit` or `money_received`) queued from another app's database
-- function (payments_transfer), as notifications.actions.notify_debit and
-- notifications.facade.notify_money_event write it in Python: one row per channel the customer's
-- transaction-alert preferences choose (the inbox row already sent, SMS and email queued for
-- delivery after commit), each storing `p_context` to be rendered when it is read or delivered
-- (Message.context). A debit below the customer's alert threshold, in the threshold's currency,
-- writes nothing. Both paths run the same scenarios (payments/tests/test_transfer_parity.py).
-- Loaded by notifications migration 0005 (and by any later migration that loads this file again
-- after a change): edit it here, never inline in a migration.
--
-- Returns {"inbox": [public ids], "outbound": [row ids]}: the caller announces the inbox rows
-- to the customer's open pages and hands the outbound ones to delivery after commit
-- (notifications.facade.announce_outbox_rows).
CREATE OR REPLACE FUNCTION notifications_transaction_notice(
    p_user_id bigint,
    p_kind text,
    p_context jsonb,
    p_at timestamptz
) RETURNS json
LANGUAGE plpgsql
AS $$
DECLARE
    v_alert_minor bigint;
    v_alert_currency text;
    v_want_inbox boolean;
    v_want_sms boolean;
    v_want_email boolean;
    v_contact record;
    v_channel text;
    v_destination text;
    v_link text := COALESCE(p_context->>'link', '');
    v_inbox uuid[] := '{}';
    v_outbound bigint[] := '{}';
    v_public_id uuid;
    v_id bigint;
BEGIN
    SELECT pref.debit_alert_minor, pref.debit_alert_currency, pref.transaction_inbox,
           pref.transaction_sms, pref.transaction_email
    INTO v_alert_minor, v_alert_currency, v_want_inbox, v_want_sms, v_want_email
    FROM notifications_preference AS pref WHERE pref.user_id = p_user_id;
    IF NOT FOUND THEN
        -- No preferences saved: the defaults of notifications.models.Preference.
        v_alert_minor := 0;
        v_alert_currency := 'CNY';
        v_want_inbox := true;
        v_want_sms := false;
        v_want_email := false;
    END IF;
    IF p_kind = 'debit' AND p_context->>'currency' = v_alert_currency
        AND (p_context->>'amount_minor')::bigint < v_alert_minor THEN
        RETURN json_build_object('inbox', v_inbox, 'outbound', v_outbound);
    END IF;

    IF v_want_inbox THEN
        INSERT INTO notifications_message
            (public_id, user_id, channel, category, kind, destination, subject, body, link,
             context, redacted, status, provider, provider_ref, error, attempts, created_at,
             sent_at)
        VALUES (gen_random_uuid(), p_user_id, 'inbox', 'transaction', p_kind, '', '', '',
                v_link, p_context, false, 'sent', '', '', '', 0, p_at, p_at)
        RETURNING public_id INTO v_public_id;
        v_inbox := v_inbox || v_public_id;
    END IF;
    IF v_want_sms OR v_want_email THEN
        SELECT NULLIF(person.phone, '') AS phone, NULLIF(person.email, '') AS email
        INTO v_contact
        FROM identity_user AS person WHERE person.id = p_user_id;
        FOR v_channel, v_destination IN
            SELECT wanted.channel, wanted.destination FROM (VALUES
                (1, 'sms', CASE WHEN v_want_sms THEN v_contact.phone END),
                (2, 'email', CASE WHEN v_want_email THEN v_contact.email END)
            ) AS wanted(position, channel, destination)
            WHERE wanted.destination IS NOT NULL ORDER BY wanted.position
        LOOP
            INSERT INTO notifications_message
                (public_id, user_id, channel, category, kind, destination, subject, body, link,
                 context, redacted, status, provider, provider_ref, error, attempts,
                 created_at)
            VALUES (gen_random_uuid(), p_user_id, v_channel, 'transaction', p_kind,
                    v_destination, '', '', v_link, p_context, false, 'queued', '', '', '', 0,
                    p_at)
            RETURNING id INTO v_id;
            v_outbound := v_outbound || v_id;
        END LOOP;
    END IF;
    RETURN json_build_object('inbox', v_inbox, 'outbound', v_outbound);
END;
$$;
