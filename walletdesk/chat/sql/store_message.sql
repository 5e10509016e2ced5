-- The live chat's send on PostgreSQL: chat_store_message, called once per message by
-- chat.send_sql (one round trip in its own transaction, instead of BEGIN, the locking read, the
-- retry check, the numbering, the insert and COMMIT; docs/realtime.md, "Database work from a
-- socket").
--
-- It does what live_actions.send_message does in Python for a message without files
-- (`_chat_to_write_in` and `actions.store_message`), in the same order: lock the chat and its
-- conversation; refuse another customer's conversation (not_found) or a chat not assigned to
-- this agent (not_yours); return the first copy of a retry (duplicate); refuse a closed
-- conversation (closed); else number the message in the locked row and store it (stored).
-- A conversation that has no live chat yet (no_chat) is left to the Python path, which creates
-- one. The parity test (chat/tests/test_store_message_parity.py) runs every outcome through both
-- paths on PostgreSQL and compares what they write.
--
-- Loaded by chat migration 0005 (and by any later migration that loads this file again after a
-- change): edit it here, never inline in a migration.
CREATE OR REPLACE FUNCTION chat_store_message(
    p_conversation uuid,
    p_author_kind text,
    p_author_id bigint,
    p_client_id text,
    p_body text,
    p_payload jsonb,
    p_public_id uuid,
    p_now timestamptz,
    OUT outcome text,
    OUT chat_state text,
    OUT chat_agent_id bigint,
    OUT chat_offered_to_id bigint,
    OUT conversation_pk bigint,
    OUT message_pk bigint,
    OUT message_seq integer
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_customer_id bigint;
    v_status text;
    v_last_seq integer;
BEGIN
    SELECT l.state, l.agent_id, l.offered_to_id, c.id, c.customer_id, c.status, c.last_seq
      INTO chat_state, chat_agent_id, chat_offered_to_id, conversation_pk, v_customer_id,
           v_status, v_last_seq
      FROM chat_livechat l
      JOIN chat_conversation c ON c.id = l.conversation_id
     WHERE c.public_id = p_conversation
       FOR UPDATE OF l, c;
    IF NOT FOUND THEN
        outcome := 'no_chat';
        RETURN;
    END IF;

    -- Customers write in their own chats, agents in chats assigned to them (an ended chat or a
    -- left message is never assigned, so "not yours" covers it for agents).
    IF p_author_kind = 'customer' AND v_customer_id IS DISTINCT FROM p_author_id THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    IF p_author_kind = 'agent'
       AND NOT (chat_state = 'assigned' AND chat_agent_id IS NOT DISTINCT FROM p_author_id) THEN
        outcome := 'not_yours';
        RETURN;
    END IF;

    IF p_client_id <> '' THEN
        SELECT m.id, m.seq INTO message_pk, message_seq
          FROM chat_message m
         WHERE m.conversation_id = conversation_pk
           AND m.author_kind = p_author_kind
           AND m.client_message_id = p_client_id;
        IF FOUND THEN
            outcome := 'duplicate';
            RETURN;
        END IF;
    END IF;

    IF v_status = 'closed' THEN
        outcome := 'closed';
        RETURN;
    END IF;

    message_seq := v_last_seq + 1;
    UPDATE chat_conversation SET last_seq = message_seq, updated_at = p_now
     WHERE id = conversation_pk;
    INSERT INTO chat_message (public_id, conversation_id, seq, author_kind, author_id,
                              client_message_id, body, payload, status, created_at)
    VALUES (p_public_id, conversation_pk, message_seq, p_author_kind, p_author_id,
            p_client_id, p_body, p_payload, 'stored', p_now)
    RETURNING id INTO message_pk;
    outcome := 'stored';
END;
$$;
