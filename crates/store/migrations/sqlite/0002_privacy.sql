-- Privacy by construction: identity verification on contacts, the legal-order register,
-- statement exports under dual control, insider-access alerts, audit retention anchor.

CREATE TABLE identity_verifications (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contacts (id),
    method TEXT NOT NULL,
    result TEXT NOT NULL,
    verified_by TEXT NOT NULL REFERENCES users (id),
    at_ms INTEGER NOT NULL
);
CREATE INDEX identity_verifications_contact ON identity_verifications (contact_id, at_ms);

CREATE TABLE legal_orders (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    issuer TEXT NOT NULL,
    document_no TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    scope TEXT NOT NULL,
    valid_from_ms INTEGER NOT NULL,
    valid_until_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    registered_by TEXT NOT NULL REFERENCES users (id),
    registered_at_ms INTEGER NOT NULL,
    verified_by TEXT REFERENCES users (id),
    verified_at_ms INTEGER
);
CREATE INDEX legal_orders_customer ON legal_orders (customer_id);
CREATE INDEX legal_orders_status ON legal_orders (status, valid_until_ms);

CREATE TABLE statement_exports (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    basis TEXT NOT NULL,
    purpose TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at_ms INTEGER NOT NULL,
    approved_by TEXT REFERENCES users (id),
    approved_at_ms INTEGER,
    file_csv TEXT,
    file_rows INTEGER
);
CREATE INDEX statement_exports_status ON statement_exports (status, requested_at_ms);
CREATE INDEX statement_exports_requester ON statement_exports (requested_by, requested_at_ms);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    customer_id TEXT,
    at_ms INTEGER NOT NULL,
    detail TEXT NOT NULL,
    evidence TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX alerts_status ON alerts (status, at_ms);
CREATE INDEX alerts_actor ON alerts (actor, kind, at_ms);

CREATE INDEX audit_log_actor_at ON audit_log (actor, at_ms);

-- After records older than the retention period are purged, verification starts from
-- the last purged record's seq and hash.
ALTER TABLE audit_head ADD COLUMN base_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_head ADD COLUMN base_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
