-- Each member of staff's reveals of masked numbers in one clock hour. The gate adds to
-- the hour's row in the transaction that records the reveal, and only while it is below
-- the limit, so parallel reveals cannot all pass a count taken before any was recorded
-- (issue 12). Rows of past hours are removed as the user reveals again.
CREATE TABLE reveal_allowance (
    user_id TEXT NOT NULL,
    hour_ms INTEGER NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (user_id, hour_ms)
);
