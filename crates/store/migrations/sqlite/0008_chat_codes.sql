-- One-time codes are text messages to a customer's phone: each chat may ask for a few,
-- a minute apart (domain::chat::may_send_code).
ALTER TABLE chat_sessions ADD COLUMN codes_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chat_sessions ADD COLUMN code_sent_at_ms INTEGER;
