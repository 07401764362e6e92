-- Email and WeChat: inbound messages (each one once), who a sender is, and the outbox of
-- replies with their retries.

-- One row per message received; (channel, external_id) is the message's own id (the
-- email Message-ID, WeChat's MsgId), so a redelivery finds its row and changes nothing.
CREATE TABLE inbound_messages (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at_ms BIGINT NOT NULL,
    received_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX inbound_messages_external ON inbound_messages (channel, external_id);
CREATE INDEX inbound_messages_contact ON inbound_messages (contact_id, received_at_ms);
CREATE INDEX inbound_messages_sender ON inbound_messages (channel, sender, received_at_ms);

-- Which customer a WeChat openid or an email address belongs to. Set when the customer
-- passes identity verification on a contact from that sender, or by the seeder.
CREATE TABLE channel_bindings (
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    bound_by TEXT NOT NULL,
    bound_at_ms BIGINT NOT NULL,
    PRIMARY KEY (channel, address)
);
CREATE INDEX channel_bindings_customer ON channel_bindings (customer_id);

-- Replies waiting to go out, sent, or given up on. A worker claims a due row by moving
-- next_attempt_ms forward (a lease) in a conditional UPDATE, so two workers never send
-- the same row at once and a crashed worker's row comes due again.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    in_reply_to TEXT,
    author_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_ms BIGINT NOT NULL,
    last_error TEXT,
    created_at_ms BIGINT NOT NULL,
    sent_at_ms BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_ms);
CREATE INDEX outbox_contact ON outbox (contact_id, created_at_ms);
