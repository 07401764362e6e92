-- Indexes that make every list's cost that of its page, not of the bank's history
-- (issue 10). Each list reads one index range in its own order and stops at the page's
-- size; a list of several owners (department, assignee, creator) reads one range per
-- owner and merges the pages. The id closes every sort so keyset cursors are exact.

DROP INDEX cases_department;
DROP INDEX cases_assignee;
CREATE INDEX cases_opened ON cases (opened_at_ms, id);
CREATE INDEX cases_status_opened ON cases (status, opened_at_ms, id);
CREATE INDEX cases_department_opened ON cases (department, opened_at_ms, id);
CREATE INDEX cases_department_status_opened ON cases (department, status, opened_at_ms, id);
CREATE INDEX cases_assignee_opened ON cases (assignee_id, opened_at_ms, id);
CREATE INDEX cases_assignee_status_opened ON cases (assignee_id, status, opened_at_ms, id);
CREATE INDEX cases_creator_opened ON cases (created_by, opened_at_ms, id);
CREATE INDEX cases_creator_status_opened ON cases (created_by, status, opened_at_ms, id);
CREATE INDEX cases_open_assignee_due ON cases (assignee_id, due_at_ms, id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX cases_open_creator_due ON cases (created_by, due_at_ms, id) WHERE status NOT IN ('resolved', 'closed');

-- The escalation worker reads only pending jobs in time order; with the state as the
-- leading column of a plain index, SQLite also chose it to find one case's pending jobs
-- and so read every pending job of the bank on each case change.
DROP INDEX case_jobs_pending;
CREATE INDEX case_jobs_due ON case_jobs (run_at_ms, id) WHERE state = 'pending';

CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at_ms, seq);

-- The chain's clock: a record's time is never earlier than the one before it, so a time
-- range of the log is a range of seq.
ALTER TABLE audit_head ADD COLUMN at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE audit_head SET at_ms = COALESCE((SELECT MAX(at_ms) FROM audit_log), 0);

-- Contacts: a customer's timeline and an agent's open contacts newest first; the inbox
-- of unassigned email and WeChat contacts holds only what waits.
DROP INDEX contacts_customer;
DROP INDEX contacts_handler;
CREATE INDEX contacts_customer_opened ON contacts (customer_id, opened_at_ms, id);
CREATE INDEX contacts_handler_opened ON contacts (handler_id, status, opened_at_ms, id);
CREATE INDEX contacts_unassigned ON contacts (opened_at_ms, id)
    WHERE handler_id IS NULL AND status = 'open' AND channel IN ('email', 'wechat');
DROP INDEX identity_verifications_contact;
CREATE INDEX identity_verifications_contact ON identity_verifications (contact_id, at_ms, id);
DROP INDEX customer_phones_customer;
CREATE INDEX customer_phones_customer ON customer_phones (customer_id, position);
DROP INDEX customers_name;
CREATE INDEX customers_name ON customers (name, id);

-- Compliance and crisis lists, newest first, with and without their status filter.
DROP INDEX alerts_status;
CREATE INDEX alerts_at ON alerts (at_ms, id);
CREATE INDEX alerts_status ON alerts (status, at_ms, id);
DROP INDEX legal_orders_customer;
CREATE INDEX legal_orders_registered ON legal_orders (registered_at_ms, id);
CREATE INDEX legal_orders_customer ON legal_orders (customer_id, registered_at_ms, id);
DROP INDEX crises_status;
CREATE INDEX crises_opened ON crises (opened_at_ms, id);
CREATE INDEX crises_status ON crises (status, opened_at_ms, id);
CREATE INDEX crises_live ON crises (opened_at_ms, id) WHERE status <> 'closed';
DROP INDEX signals_status;
CREATE INDEX signals_posted ON signals (posted_at_ms, id);
CREATE INDEX signals_status ON signals (status, posted_at_ms, id);
CREATE INDEX signals_board ON signals (status, reach, posted_at_ms, id);
DROP INDEX complaints_received;
CREATE INDEX complaints_received ON complaints (received_at_ms, case_id);

-- A person's notifications and the unread ones among them.
DROP INDEX notifications_recipient;
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at_ms, id);
CREATE INDEX notifications_unread ON notifications (recipient_id, created_at_ms, id) WHERE read_at_ms IS NULL;

-- The outbox for supervisors, newest first.
CREATE INDEX outbox_created ON outbox (created_at_ms, id);
CREATE INDEX outbox_status_created ON outbox (status, created_at_ms, id);

-- The routing board loads only what is still being routed.
CREATE INDEX routing_entries_live ON routing_entries (enqueued_at_ms, contact_id) WHERE status <> 'done';

-- The editors' knowledge lists and the review queue.
DROP INDEX kb_articles_status;
CREATE INDEX kb_articles_updated ON kb_articles (updated_at_ms, id);
CREATE INDEX kb_articles_status ON kb_articles (status, updated_at_ms, id);
DROP INDEX kb_versions_status;
CREATE INDEX kb_versions_pending ON kb_versions (article_id, version) WHERE status = 'pending_approval';
