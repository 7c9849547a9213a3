-- Signet push server on PostgreSQL: the schema of the SQLite migrations 0001 to 0005 in one
-- step, with PostgreSQL's types. Tenants keep only the SHA-256 hash of their secret key, and
-- no token key (docs/security.md 3.7). All times are Unix milliseconds (BIGINT), taken from the
-- server's clock, never from the database's.

CREATE TABLE tenants (
    id                      TEXT PRIMARY KEY NOT NULL,
    secret_key_sha256       BYTEA NOT NULL UNIQUE,
    number_matching         BOOLEAN NOT NULL DEFAULT FALSE,
    challenge_lifetime_ms   BIGINT NOT NULL,
    credential_lease_ms     BIGINT,
    created_at              BIGINT NOT NULL
);

CREATE TABLE authenticators (
    id                  TEXT PRIMARY KEY NOT NULL,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    user_id             TEXT NOT NULL,
    public_key          TEXT NOT NULL,
    device_name         TEXT,
    device_platform     TEXT,
    push_token          TEXT,
    created_at          BIGINT NOT NULL,
    verified_at         BIGINT NOT NULL,
    last_verified_at    BIGINT,
    expires_at          BIGINT,
    UNIQUE (tenant_id, public_key)
);
CREATE INDEX authenticators_by_user ON authenticators (tenant_id, user_id);

CREATE TABLE actions (
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    idempotency_key     TEXT NOT NULL,
    user_id             TEXT NOT NULL,
    action_code         TEXT NOT NULL,
    state               TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    state_updated_at    BIGINT NOT NULL,
    ip_address          TEXT,
    user_agent          TEXT,
    device_id           TEXT,
    custom              TEXT,
    number_matching     BOOLEAN NOT NULL DEFAULT FALSE,
    verification_method TEXT,
    output              TEXT,
    validated_at        BIGINT,
    PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX actions_by_created ON actions (created_at);
CREATE INDEX actions_open ON actions (tenant_id, state, created_at);

CREATE TABLE challenges (
    id                  TEXT PRIMARY KEY NOT NULL,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    user_id             TEXT NOT NULL,
    idempotency_key     TEXT NOT NULL,
    action_code         TEXT NOT NULL,
    authenticator_id    TEXT,
    verification_code   TEXT,
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    answered_at         BIGINT,
    answered_by         TEXT,
    approved            BOOLEAN,
    decline_reason      TEXT
);
CREATE INDEX challenges_by_user ON challenges (tenant_id, user_id, created_at);
CREATE INDEX challenges_by_expiry ON challenges (expires_at);
CREATE INDEX challenges_by_action ON challenges (tenant_id, idempotency_key);

CREATE TABLE nonces (
    message             TEXT PRIMARY KEY NOT NULL,
    authenticator_id    TEXT NOT NULL REFERENCES authenticators(id) ON DELETE CASCADE,
    purpose             TEXT NOT NULL,
    update_id           TEXT,
    expires_at          BIGINT NOT NULL,
    client_address      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX nonces_by_authenticator ON nonces (authenticator_id, purpose);
CREATE UNIQUE INDEX nonces_by_update_id ON nonces (update_id);
CREATE INDEX nonces_by_address ON nonces (authenticator_id, purpose, client_address, expires_at);
CREATE INDEX nonces_by_expiry ON nonces (expires_at);

CREATE TABLE enrollment_tokens (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    jti             TEXT NOT NULL,
    public_key      TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, jti)
);
CREATE INDEX enrollment_tokens_by_expiry ON enrollment_tokens (expires_at);
