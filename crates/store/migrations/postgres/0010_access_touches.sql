-- Which customers each member of staff read in the last hour, one row per (actor,
-- customer) with the latest read. The insider-access alert counts the actor's distinct
-- customers of the hour from here, reading at most its threshold's number of rows;
-- counted from the audit log it read every record of the actor's hour, so a busy agent's
-- every read cost more than the last (issue 10). Rows older than the hour are removed
-- as the actor reads again.
CREATE TABLE access_touches (
    actor TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (actor, customer_id)
);
CREATE INDEX access_touches_recent ON access_touches (actor, at_ms);

INSERT INTO access_touches (actor, customer_id, at_ms)
SELECT actor, customer_id, MAX(at_ms) FROM audit_log
WHERE customer_id IS NOT NULL
  AND action IN ('customer.overview', 'customer.transactions', 'customer.reveal',
                 'statement_export.request', 'customer.timeline')
  AND at_ms >= (SELECT COALESCE(MAX(at_ms), 0) FROM audit_log) - 3600000
GROUP BY actor, customer_id;

-- The reveal rate limit counts one actor's reveals of the last hour; by (actor, at_ms)
-- it read every record of the actor's hour to find them. Its own index makes the count
-- read only the reveals, and the gate above no longer reads the audit log by time.
DROP INDEX audit_log_actor_at;
CREATE INDEX audit_log_actor_action_at ON audit_log (actor, action, at_ms);
