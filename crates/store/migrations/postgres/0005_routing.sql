-- Routing (issue 4): agents' presence, skills and chat capacity; queues and the skill each
-- needs; routing entries (waiting or held by an agent) so that a restart rebuilds the
-- waiting queue from here; CTI call events as delivered and the calls folded from them.

CREATE TABLE agent_presence (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    state TEXT NOT NULL,
    chat_capacity BIGINT NOT NULL,
    idle_since_ms BIGINT NOT NULL,
    changed_at_ms BIGINT NOT NULL,
    -- Set when the desk (not the agent) made them busy for being full.
    busy_by_desk BOOLEAN NOT NULL
);

CREATE TABLE agent_skills (
    user_id TEXT NOT NULL REFERENCES users (id),
    skill TEXT NOT NULL,
    PRIMARY KEY (user_id, skill)
);
CREATE INDEX agent_skills_skill ON agent_skills (skill);

CREATE TABLE queues (
    name TEXT PRIMARY KEY,
    skill TEXT NOT NULL,
    label TEXT NOT NULL
);

CREATE TABLE routing_entries (
    contact_id TEXT PRIMARY KEY REFERENCES contacts (id),
    queue TEXT NOT NULL,
    skill TEXT NOT NULL,
    channel TEXT NOT NULL,
    customer_id TEXT,
    vip_tier TEXT,
    urgency TEXT NOT NULL,
    priority BIGINT NOT NULL,
    status TEXT NOT NULL,
    enqueued_at_ms BIGINT NOT NULL,
    agent_id TEXT REFERENCES users (id),
    assigned_at_ms BIGINT,
    done_at_ms BIGINT
);
CREATE INDEX routing_entries_status ON routing_entries (status, enqueued_at_ms);
CREATE INDEX routing_entries_agent ON routing_entries (agent_id, status);

-- Exactly as delivered; the key makes a repeated delivery a no-op.
CREATE TABLE cti_events (
    call_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    ani TEXT,
    dnis TEXT,
    queue TEXT,
    agent TEXT,
    ivr_path TEXT,
    recording_ref TEXT,
    received_at_ms BIGINT NOT NULL,
    PRIMARY KEY (call_id, seq)
);

CREATE TABLE calls (
    call_id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL UNIQUE REFERENCES contacts (id),
    status TEXT NOT NULL,
    ani TEXT,
    dnis TEXT,
    queue TEXT,
    agent TEXT,
    ivr_path TEXT,
    recording_ref TEXT,
    vip_tier TEXT,
    offered_at_ms BIGINT NOT NULL,
    answered_at_ms BIGINT,
    ended_at_ms BIGINT,
    events BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);
