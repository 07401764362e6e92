-- Web chat. A chat is a contact on the chat channel (contacts.channel = 'chat') with one
-- chat_sessions row: the customer side's resume token (stored hashed), the state, the
-- numbering of its messages, the read marks of both sides, a pending one-time code
-- (hashed) and the satisfaction score. chat_messages is the transcript, one row per
-- message, numbered 1, 2, 3, ... per chat; a message is committed before anyone is told.

-- Customers who prove who they are in the chat (a one-time code to the phone the bank has
-- on record) are verified by bankdesk itself; identity_verifications names this account
-- as the verifier. It has no roles and cannot log in.
INSERT INTO users (id, username, display_name, password_hash, roles, department, active, failed_logins, created_at_ms)
VALUES ('u_chat_verifier', 'chat-verifier', '在线客服自助核验', '!', '', NULL, FALSE, 0, 0);

CREATE TABLE chat_sessions (
    contact_id TEXT PRIMARY KEY REFERENCES contacts (id),
    token_hash TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    head_seq INTEGER NOT NULL,
    customer_read_seq INTEGER NOT NULL,
    agent_read_seq INTEGER NOT NULL,
    code_customer_id TEXT REFERENCES customers (id),
    code_hash TEXT,
    code_salt TEXT,
    code_expires_at_ms INTEGER,
    code_attempts INTEGER NOT NULL,
    csat INTEGER,
    started_at_ms INTEGER NOT NULL,
    closed_at_ms INTEGER,
    closed_by TEXT
);
CREATE INDEX chat_sessions_state ON chat_sessions (state, started_at_ms);

CREATE TABLE chat_messages (
    contact_id TEXT NOT NULL REFERENCES chat_sessions (contact_id),
    seq INTEGER NOT NULL,
    sender TEXT NOT NULL,
    author_id TEXT REFERENCES users (id),
    client_id TEXT,
    text TEXT NOT NULL,
    sent_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER,
    read_at_ms INTEGER,
    PRIMARY KEY (contact_id, seq)
);
-- A message resent after a reconnect (same client_id) is stored once.
CREATE UNIQUE INDEX chat_messages_client ON chat_messages (contact_id, sender, client_id);
