-- Knowledge base and staff exams.
-- A knowledge point (kb_articles) has versions (kb_versions); every edit is a new version
-- with who, when and why, and a second person approves a version before it is published.
-- kb_head.seq numbers every change that alters what search should show; each article
-- keeps the number of its last such change, so a search index that records the number it
-- has applied up to can find exactly what it is missing (after a crash, on another node).

CREATE TABLE kb_articles (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    latest_version INTEGER NOT NULL,
    published_version INTEGER,
    owner TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    change_seq INTEGER NOT NULL
);
CREATE INDEX kb_articles_change ON kb_articles (change_seq);
CREATE INDEX kb_articles_status ON kb_articles (status, updated_at_ms);

CREATE TABLE kb_versions (
    article_id TEXT NOT NULL REFERENCES kb_articles (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT NOT NULL,
    tags TEXT NOT NULL,
    audience TEXT NOT NULL,
    valid_from_ms INTEGER,
    valid_until_ms INTEGER,
    script TEXT,
    status TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    reason TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at_ms INTEGER,
    review_note TEXT,
    PRIMARY KEY (article_id, version)
);
CREATE INDEX kb_versions_status ON kb_versions (status, created_at_ms);

CREATE TABLE kb_head (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL
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
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX exam_questions_article ON exam_questions (article_id);

CREATE TABLE exams (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    skill TEXT,
    categories TEXT NOT NULL,
    month TEXT NOT NULL,
    opens_at_ms INTEGER NOT NULL,
    closes_at_ms INTEGER NOT NULL,
    time_limit_s INTEGER NOT NULL,
    pass_mark INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX exams_skill ON exams (skill, opens_at_ms);
CREATE INDEX exams_opens ON exams (opens_at_ms);

CREATE TABLE exam_items (
    exam_id TEXT NOT NULL REFERENCES exams (id),
    position INTEGER NOT NULL,
    question_id TEXT NOT NULL REFERENCES exam_questions (id),
    PRIMARY KEY (exam_id, position)
);

CREATE TABLE exam_attempts (
    id TEXT PRIMARY KEY,
    exam_id TEXT NOT NULL REFERENCES exams (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    deadline_ms INTEGER NOT NULL,
    submitted_at_ms INTEGER,
    answers TEXT,
    correct INTEGER,
    total INTEGER NOT NULL,
    score INTEGER,
    passed BOOLEAN
);
CREATE INDEX exam_attempts_user ON exam_attempts (user_id, started_at_ms);
CREATE INDEX exam_attempts_exam ON exam_attempts (exam_id, user_id);
