-- Foundation schema: the bank's records, staff, sessions, contacts, cases and the audit chain.
-- Times are epoch milliseconds (UTC) so both databases compare them the same way;
-- calendar dates are ISO 'YYYY-MM-DD' text; money is INTEGER fen.

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_number TEXT NOT NULL,
    address TEXT NOT NULL,
    city TEXT NOT NULL,
    vip_tier TEXT NOT NULL,
    segment TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL
);
CREATE INDEX customers_id_number ON customers (id_number);
CREATE INDEX customers_name ON customers (name);

CREATE TABLE customer_phones (
    phone TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (phone, customer_id)
);
CREATE INDEX customer_phones_customer ON customer_phones (customer_id);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance_fen INTEGER NOT NULL,
    opened_on TEXT NOT NULL,
    status TEXT NOT NULL,
    branch TEXT NOT NULL
);
CREATE INDEX accounts_customer ON accounts (customer_id);

CREATE TABLE cards (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    account_id TEXT REFERENCES accounts (id),
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    product TEXT NOT NULL,
    status TEXT NOT NULL,
    credit_limit_fen INTEGER,
    temp_limit_fen INTEGER,
    temp_limit_until TEXT,
    outstanding_fen INTEGER NOT NULL,
    expiry TEXT NOT NULL,
    issued_on TEXT NOT NULL
);
CREATE INDEX cards_customer ON cards (customer_id);
CREATE UNIQUE INDEX cards_number ON cards (number);

CREATE TABLE loans (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    principal_fen INTEGER NOT NULL,
    outstanding_fen INTEGER NOT NULL,
    term_months INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    lpr_term TEXT NOT NULL,
    spread_bp INTEGER NOT NULL,
    rate_bp INTEGER NOT NULL,
    repricing_rule TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX loans_customer ON loans (customer_id);

CREATE TABLE holdings (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    product_code TEXT NOT NULL,
    product_name TEXT NOT NULL,
    risk_level TEXT NOT NULL,
    units_x100 INTEGER NOT NULL,
    cost_fen INTEGER NOT NULL,
    nav_x10000 INTEGER NOT NULL,
    nav_date TEXT NOT NULL
);
CREATE INDEX holdings_customer ON holdings (customer_id);

-- No foreign keys here: this is the largest table and the feed is validated on import.
CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    account_id TEXT,
    card_id TEXT,
    at_ms INTEGER NOT NULL,
    utc_offset_s INTEGER NOT NULL,
    amount_fen INTEGER NOT NULL,
    currency TEXT NOT NULL,
    channel TEXT NOT NULL,
    merchant TEXT,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    lat REAL,
    lon REAL,
    terminal TEXT,
    description TEXT NOT NULL
);
CREATE INDEX transactions_customer_at ON transactions (customer_id, at_ms);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    department TEXT,
    active BOOLEAN NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until_ms INTEGER,
    language TEXT,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    customer_id TEXT REFERENCES customers (id),
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    status TEXT NOT NULL,
    handler_id TEXT REFERENCES users (id),
    opened_at_ms INTEGER NOT NULL,
    closed_at_ms INTEGER,
    category TEXT,
    resolved BOOLEAN,
    summary TEXT
);
CREATE INDEX contacts_customer ON contacts (customer_id, opened_at_ms);
CREATE INDEX contacts_handler ON contacts (handler_id, status);

CREATE TABLE contact_notes (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    at_ms INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX contact_notes_contact ON contact_notes (contact_id, at_ms);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    case_type TEXT NOT NULL,
    status TEXT NOT NULL,
    department TEXT,
    assignee_id TEXT REFERENCES users (id),
    summary TEXT NOT NULL,
    opened_at_ms INTEGER NOT NULL,
    due_at_ms INTEGER
);
CREATE INDEX cases_customer ON cases (customer_id, status);

-- Append-only: the application never updates or deletes a row here.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    customer_id TEXT,
    purpose TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_customer ON audit_log (customer_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);

-- The chain's head: the one row every audited transaction updates first, which both
-- serialises appends and records the last seq so a cut-off tail is detected.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
