-- The ledger's database functions: the only SQL that writes the ledger's tables.
--
-- Other apps' database functions (payments_transfer) call these instead of writing ledger rows
-- themselves; the Python side of the same rules is ledger.actions.post_entry and
-- ledger.idempotency. Loaded by ledger migration 0009 (and by any later migration that loads
-- this file again after a change): edit it here, never inline in a migration.

-- The stored outcome of an earlier command under (scope, key), or NULL. The caller compares the
-- request fingerprints (ledger.idempotency.replay_stored). PL/pgSQL rather than SQL: it keeps
-- its query's plan for the session, where a SQL function called from another function's
-- expression is planned again in every transaction.
CREATE OR REPLACE FUNCTION ledger_stored_outcome(p_scope text, p_key text) RETURNS json
LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_stored record;
BEGIN
    SELECT record.request_hash, record.response_status, record.response INTO v_stored
    FROM ledger_idempotencyrecord AS record
    WHERE record.scope = p_scope AND record.key = p_key;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN json_build_object(
        'replay', true, 'request_hash', v_stored.request_hash,
        'status', v_stored.response_status, 'response', v_stored.response);
END;
$$;

-- Post one balanced entry and store the command's outcome under its idempotency key, as
-- ledger.actions.post_entry and ledger.idempotency.run_idempotent do together in Python.
--
-- `p_accounts` and `p_amounts` are the lines (signed minor units, one line per element); each
-- posting takes its account's currency. Balances change in the ledger's lock order
-- (ledger.actions.lock_accounts: accounts that must not go negative first, by primary key, then
-- the system accounts), so this and the Python path never wait on each other in a cycle. A debit
-- of an account that must not go negative is refused if its debits are blocked or its available
-- balance would fall below zero: the function raises SQLSTATE WD001 with the message
-- `account_frozen` or `insufficient_balance`, which undoes every write of the calling statement.
-- The zero-sum check runs at commit (the deferred trigger of ledger migration 0002).
--
-- `p_key` NULL posts without storing an outcome. A concurrent command that stored the same key
-- first makes this one fail with a unique violation: the caller replays the winner's outcome.
-- The record keeps `p_now`, the real clock (its age decides when it is pruned); the entry is
-- dated `p_at`. Returns the new entry's id.
CREATE OR REPLACE FUNCTION ledger_post_entry(
    p_scope text,
    p_key text,
    p_request_hash text,
    p_response_status integer,
    p_response json,
    p_kind text,
    p_memo text,
    p_reference text,
    p_actor text,
    p_accounts bigint[],
    p_amounts bigint[],
    p_at timestamptz,
    p_now timestamptz
) RETURNS bigint
LANGUAGE plpgsql
-- The lines' query below takes its arrays as parameters: planned for each call's values, its
-- estimate (two or three lines against the generic ten) always looked cheaper than the generic
-- plan, so it was planned again in every call (a tenth of the database's CPU per transfer). The
-- generic plan is the same (each line's account by primary key); it is kept for the session.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_change record;
    v_entry_id bigint;
    v_ids bigint[] := '{}';
    v_currencies text[] := '{}';
BEGIN
    IF cardinality(p_accounts) < 2 OR cardinality(p_accounts) <> cardinality(p_amounts)
        OR 0 = ANY (p_amounts) THEN
        RAISE EXCEPTION 'a ledger entry needs two or more non-zero lines'
            USING ERRCODE = 'check_violation';
    END IF;

    FOR v_change IN
        SELECT account.id, account.allow_negative, account.currency, line.delta
        FROM (
            SELECT each.account_id, sum(each.amount)::bigint AS delta
            FROM unnest(p_accounts, p_amounts) AS each(account_id, amount)
            GROUP BY each.account_id
        ) AS line
        JOIN ledger_ledgeraccount AS account ON account.id = line.account_id
        ORDER BY account.allow_negative, account.id
    LOOP
        v_ids := v_ids || v_change.id;
        v_currencies := v_currencies || v_change.currency::text;
        IF v_change.delta < 0 AND NOT v_change.allow_negative THEN
            UPDATE ledger_ledgeraccount AS account SET posted = account.posted + v_change.delta
            WHERE account.id = v_change.id AND NOT account.debits_blocked
                AND account.posted - account.held + v_change.delta >= 0;
            IF NOT FOUND THEN
                IF (SELECT account.debits_blocked FROM ledger_ledgeraccount AS account
                    WHERE account.id = v_change.id) THEN
                    RAISE EXCEPTION USING ERRCODE = 'WD001', MESSAGE = 'account_frozen';
                END IF;
                RAISE EXCEPTION USING ERRCODE = 'WD001', MESSAGE = 'insufficient_balance';
            END IF;
        ELSE
            UPDATE ledger_ledgeraccount AS account SET posted = account.posted + v_change.delta
            WHERE account.id = v_change.id;
        END IF;
    END LOOP;

    INSERT INTO ledger_journalentry (public_id, kind, memo, reference, actor, created_at)
    VALUES (gen_random_uuid(), p_kind, left(p_memo, 200), left(p_reference, 100),
            left(p_actor, 60), p_at)
    RETURNING id INTO v_entry_id;
    INSERT INTO ledger_posting (entry_id, account_id, amount, currency)
    SELECT v_entry_id, line.account_id, line.amount,
           v_currencies[array_position(v_ids, line.account_id)]
    FROM unnest(p_accounts, p_amounts) AS line(account_id, amount);

    IF p_key IS NOT NULL THEN
        INSERT INTO ledger_idempotencyrecord
            (scope, key, request_hash, response_status, response, created_at)
        VALUES (p_scope, p_key, p_request_hash, p_response_status, p_response::text, p_now);
    END IF;
    RETURN v_entry_id;
END;
$$;
