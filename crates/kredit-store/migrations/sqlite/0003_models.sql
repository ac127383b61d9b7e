-- Model registry: trained credit-risk models, the scores they gave live
-- applications, and their stability alerts (SQLite dialect).
-- 0002 is reserved for the lending tables.

CREATE TABLE model_versions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    -- 1, 2, … per name, assigned at upload.
    version     INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('scorecard', 'gbm')),
    -- The model artefact (JSON, as written by `kredit model train`).
    artefact    TEXT    NOT NULL,
    -- Validation metrics (JSON: auc, gini, ks, brier, log_loss).
    metrics     TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('draft', 'champion', 'challenger', 'retired')),
    uploaded_by INTEGER REFERENCES users (id),
    created_at  TEXT    NOT NULL,
    -- When the status last changed.
    updated_at  TEXT    NOT NULL,
    UNIQUE (name, version)
);
-- One champion and at most one challenger at a time.
CREATE UNIQUE INDEX model_versions_one_champion ON model_versions (status) WHERE status = 'champion';
CREATE UNIQUE INDEX model_versions_one_challenger ON model_versions (status) WHERE status = 'challenger';

CREATE TABLE model_scores (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign key: applications live in the lending tables.
    application_id   BIGINT  NOT NULL,
    model_version_id INTEGER NOT NULL REFERENCES model_versions (id),
    role             TEXT    NOT NULL CHECK (role IN ('champion', 'challenger')),
    -- Points, higher is safer.
    score            INTEGER NOT NULL,
    -- Probability of default in Rate units (10^-10).
    pd               BIGINT  NOT NULL,
    -- JSON arrays/objects: [{code, points}] and the model inputs.
    reasons          TEXT    NOT NULL,
    features         TEXT    NOT NULL,
    scored_at        TEXT    NOT NULL
);
CREATE INDEX model_scores_version_time ON model_scores (model_version_id, scored_at);
CREATE INDEX model_scores_application ON model_scores (application_id);

CREATE TABLE model_alerts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    model_version_id INTEGER NOT NULL REFERENCES model_versions (id),
    -- 'score' or a feature name.
    metric           TEXT    NOT NULL,
    psi              REAL    NOT NULL,
    threshold        REAL    NOT NULL,
    applications     BIGINT  NOT NULL,
    first_raised_at  TEXT    NOT NULL,
    last_raised_at   TEXT    NOT NULL,
    UNIQUE (model_version_id, metric)
);
