-- Second-line cases, complaints, escalation, crises and public-opinion signals.

CREATE TABLE departments (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    head_id TEXT REFERENCES users (id)
);
INSERT INTO departments (code, name) VALUES
    ('hotline', '客服热线'),
    ('card_center', '信用卡中心'),
    ('loans', '个人贷款部'),
    ('wealth', '财富管理部'),
    ('risk_desk', '风控值守'),
    ('operations', '运营管理部'),
    ('compliance', '消费者权益保护与合规部'),
    ('quality', '质检'),
    ('branch', '网点');

-- Administrators' changes to the built-in case types, and types of their own; the
-- built-in list applies where no row overrides it.
CREATE TABLE case_types (
    code TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at_ms INTEGER NOT NULL
);

-- A case's SLA clock starts at clock_start_ms; due_at_ms is NULL while the clock is paused.
ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cases ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cases ADD COLUMN created_by TEXT REFERENCES users (id);
ALTER TABLE cases ADD COLUMN clock_start_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN sla_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN sla_basis TEXT NOT NULL DEFAULT 'calendar';
ALTER TABLE cases ADD COLUMN resolved_at_ms INTEGER;
ALTER TABLE cases ADD COLUMN closed_at_ms INTEGER;
ALTER TABLE cases ADD COLUMN updated_at_ms INTEGER NOT NULL DEFAULT 0;
-- The overdue lists read only open cases, oldest deadline first.
CREATE INDEX cases_open_due ON cases (due_at_ms, id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX cases_open_department_due ON cases (department, due_at_ms, id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX cases_department ON cases (department, opened_at_ms);
CREATE INDEX cases_assignee ON cases (assignee_id, status);

CREATE TABLE complaints (
    case_id TEXT PRIMARY KEY REFERENCES cases (id),
    received_at_ms INTEGER NOT NULL,
    channel TEXT NOT NULL,
    complexity TEXT NOT NULL,
    extension_level INTEGER NOT NULL,
    subject_staff TEXT,
    subject_branch TEXT,
    root_causes TEXT NOT NULL,
    merged_into TEXT REFERENCES cases (id),
    answered_at_ms INTEGER
);
CREATE INDEX complaints_received ON complaints (received_at_ms);

CREATE TABLE case_history (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    seq INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    actor_id TEXT REFERENCES users (id),
    action TEXT NOT NULL,
    from_value TEXT,
    to_value TEXT,
    note TEXT
);
CREATE UNIQUE INDEX case_history_case ON case_history (case_id, seq);

CREATE TABLE case_contacts (
    case_id TEXT NOT NULL REFERENCES cases (id),
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    role TEXT NOT NULL,
    linked_at_ms INTEGER NOT NULL,
    PRIMARY KEY (case_id, contact_id)
);
CREATE INDEX case_contacts_contact ON case_contacts (contact_id);

-- Days the clock stood still: waiting on the customer, external appraisal.
CREATE TABLE case_pauses (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER
);
CREATE INDEX case_pauses_case ON case_pauses (case_id);

CREATE TABLE case_extensions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    level INTEGER NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at_ms INTEGER NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at_ms INTEGER,
    approval_ref TEXT,
    new_due_at_ms INTEGER,
    notice_contact_id TEXT REFERENCES contacts (id)
);
CREATE INDEX case_extensions_case ON case_extensions (case_id);

-- Escalation work, kept so that a restart neither drops nor repeats it: a worker claims a
-- job by moving it from 'pending' in the transaction that writes its notifications.
CREATE TABLE case_jobs (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    deadline_ms INTEGER NOT NULL,
    run_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    done_at_ms INTEGER,
    worker TEXT
);
CREATE UNIQUE INDEX case_jobs_once ON case_jobs (case_id, kind, deadline_ms);
CREATE INDEX case_jobs_pending ON case_jobs (state, run_at_ms);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    case_id TEXT REFERENCES cases (id),
    job_id TEXT REFERENCES case_jobs (id),
    text TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    read_at_ms INTEGER
);
CREATE INDEX notifications_recipient ON notifications (recipient_id, created_at_ms);
CREATE UNIQUE INDEX notifications_job_once ON notifications (job_id, recipient_id);

CREATE TABLE crises (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    case_id TEXT REFERENCES cases (id),
    customer_id TEXT REFERENCES customers (id),
    opened_by TEXT NOT NULL REFERENCES users (id),
    opened_at_ms INTEGER NOT NULL,
    closed_at_ms INTEGER,
    version INTEGER NOT NULL
);
CREATE INDEX crises_status ON crises (status, opened_at_ms);
CREATE INDEX crises_case ON crises (case_id);

CREATE TABLE crisis_events (
    id TEXT PRIMARY KEY,
    crisis_id TEXT NOT NULL REFERENCES crises (id),
    seq INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    actor_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    reported_to TEXT,
    signal_id TEXT
);
CREATE UNIQUE INDEX crisis_events_crisis ON crisis_events (crisis_id, seq);

CREATE TABLE watch_words (
    word TEXT PRIMARY KEY,
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at_ms INTEGER NOT NULL
);

-- Posts mentioning the bank; (source, dedupe_key) makes a re-delivered post a no-op.
CREATE TABLE signals (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    url TEXT,
    posted_at_ms INTEGER NOT NULL,
    reach INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    negativity INTEGER NOT NULL,
    negative BOOLEAN NOT NULL,
    matched_words TEXT NOT NULL,
    customer_id TEXT REFERENCES customers (id),
    case_id TEXT REFERENCES cases (id),
    crisis_id TEXT REFERENCES crises (id),
    status TEXT NOT NULL
);
CREATE UNIQUE INDEX signals_once ON signals (source, dedupe_key);
CREATE INDEX signals_status ON signals (status, posted_at_ms);
