-- Separation of duties (issue 12): granting a privileged role (supervisor, compliance,
-- risk, admin), or creating an account that holds one, is a request a second person
-- decides. A new account waits inactive, with only its unprivileged roles, until then.
-- roles_from is what the account held when asked, so the decision can see it unchanged.
CREATE TABLE role_requests (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    roles_from TEXT NOT NULL,
    roles_to TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at_ms BIGINT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at_ms BIGINT
);
CREATE INDEX role_requests_status ON role_requests (status, requested_at_ms);
-- One waiting request per account: a second would be decided against roles the first
-- is about to change.
CREATE UNIQUE INDEX role_requests_one_pending ON role_requests (user_id) WHERE status = 'pending';
