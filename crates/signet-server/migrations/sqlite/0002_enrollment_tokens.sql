-- Security request 1: a track token enrolls one key only. Each 3.1 records the token's `jti`
-- with the key it enrolled, in the transaction of the enrollment; the same token with another
-- key is refused. Rows are dropped once the token has expired (it can no longer be used).

CREATE TABLE enrollment_tokens (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    jti             TEXT NOT NULL,
    public_key      TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, jti)
);
CREATE INDEX enrollment_tokens_by_expiry ON enrollment_tokens (expires_at);
