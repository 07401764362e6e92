-- Knowledge base and staff exams.
-- A knowledge point (kb_articles) has versions (kb_versions); every edit is a new version
-- with who, when and why, and a second person approves a version before it is published.
-- kb_head.seq numbers every change that alters what search should show; each article
-- keeps the number of its last such change, so a search index that records the number it
-- has applied up to can find exactly what it is missing (after a crash, on another node).

CREATE TABLE kb_articles (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    latest_version BIGINT NOT NULL,
    published_version BIGINT,
    owner TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    change_seq BIGINT NOT NULL
);
CREATE INDEX kb_articles_change ON kb_articles (change_seq);
CREATE INDEX kb_articles_status ON kb_articles (status, updated_at_ms);

CREATE TABLE kb_versions (
    article_id TEXT NOT NULL REFERENCES kb_articles (id),
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT NOT NULL,
    tags TEXT NOT NULL,
    audience TEXT NOT NULL,
    valid_from_ms BIGINT,
    valid_until_ms BIGINT,
    script TEXT,
    status TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    reason TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at_ms BIGINT,
    review_note TEXT,
    PRIMARY KEY (article_id, version)
);
CREATE INDEX kb_versions_status ON kb_versions (status, created_at_ms);

CREATE TABLE kb_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL
);
INSERT INTO kb_head (id, seq) VALUES (1, 0);

CREATE TABLE exam_questions (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES kb_articles (id),
    kind TEXT NOT NULL,
    stem TEXT NOT NULL,
    options TEXT NOT NULL,
    answer TEXT NOT NULL,
    explanation TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_by TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX exam_questions_article ON exam_questions (article_id);

CREATE TABLE exams (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    skill TEXT,
    categories TEXT NOT NULL,
    month TEXT NOT NULL,
    opens_at_ms BIGINT NOT NULL,
    closes_at_ms BIGINT NOT NULL,
    time_limit_s BIGINT NOT NULL,
    pass_mark BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    seed BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX exams_skill ON exams (skill, opens_at_ms);
CREATE INDEX exams_opens ON exams (opens_at_ms);

CREATE TABLE exam_items (
    exam_id TEXT NOT NULL REFERENCES exams (id),
    position BIGINT NOT NULL,
    question_id TEXT NOT NULL REFERENCES exam_questions (id),
    PRIMARY KEY (exam_id, position)
);

CREATE TABLE exam_attempts (
    id TEXT PRIMARY KEY,
    exam_id TEXT NOT NULL REFERENCES exams (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    started_at_ms BIGINT NOT NULL,
    deadline_ms BIGINT NOT NULL,
    submitted_at_ms BIGINT,
    answers TEXT,
    correct BIGINT,
    total BIGINT NOT NULL,
    score BIGINT,
    passed BOOLEAN
);
CREATE INDEX exam_attempts_user ON exam_attempts (user_id, started_at_ms);
CREATE INDEX exam_attempts_exam ON exam_attempts (exam_id, user_id);
