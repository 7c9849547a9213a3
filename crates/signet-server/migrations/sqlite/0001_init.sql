-- Signet push server: the first schema. All times are Unix milliseconds (INTEGER), taken from
-- the server's clock, never from SQLite's.

CREATE TABLE tenants (
    id                      TEXT PRIMARY KEY NOT NULL,
    secret_key              TEXT NOT NULL UNIQUE,
    token_secret            BLOB NOT NULL,
    number_matching         INTEGER NOT NULL DEFAULT 0,
    challenge_lifetime_ms   INTEGER NOT NULL,
    credential_lease_ms     INTEGER,
    created_at              INTEGER NOT NULL
);

CREATE TABLE authenticators (
    id                  TEXT PRIMARY KEY NOT NULL,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    user_id             TEXT NOT NULL,
    public_key          TEXT NOT NULL,
    device_name         TEXT,
    device_platform     TEXT,
    push_token          TEXT,
    created_at          INTEGER NOT NULL,
    verified_at         INTEGER NOT NULL,
    last_verified_at    INTEGER,
    expires_at          INTEGER,
    UNIQUE (tenant_id, public_key)
);
CREATE INDEX authenticators_by_user ON authenticators (tenant_id, user_id);

CREATE TABLE actions (
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    idempotency_key     TEXT NOT NULL,
    user_id             TEXT NOT NULL,
    action_code         TEXT NOT NULL,
    state               TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    state_updated_at    INTEGER NOT NULL,
    ip_address          TEXT,
    user_agent          TEXT,
    device_id           TEXT,
    custom              TEXT,
    number_matching     INTEGER NOT NULL DEFAULT 0,
    verification_method TEXT,
    output              TEXT,
    validated_at        INTEGER,
    PRIMARY KEY (tenant_id, idempotency_key)
);

CREATE TABLE challenges (
    id                  TEXT PRIMARY KEY NOT NULL,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    user_id             TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    action_code         TEXT NOT NULL,
    authenticator_id    TEXT,
    verification_code   TEXT,
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    answered_at         INTEGER,
    answered_by         TEXT,
    approved            INTEGER,
    decline_reason      TEXT
);
CREATE INDEX challenges_by_user ON challenges (tenant_id, user_id, created_at);

CREATE TABLE nonces (
    message             TEXT PRIMARY KEY NOT NULL,
    authenticator_id    TEXT NOT NULL REFERENCES authenticators(id) ON DELETE CASCADE,
    purpose             TEXT NOT NULL,
    update_id           TEXT,
    expires_at          INTEGER NOT NULL
);
CREATE INDEX nonces_by_authenticator ON nonces (authenticator_id, purpose);
CREATE UNIQUE INDEX nonces_by_update_id ON nonces (update_id);
