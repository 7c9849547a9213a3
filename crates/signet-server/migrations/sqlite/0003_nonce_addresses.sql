-- A nonce records the network address it was issued to. A signed 3.4b is checked against the
-- live nonces issued to its own address, and each address has its own cap on live nonces per
-- key: a flood of 3.4a from elsewhere neither evicts nor outnumbers the device's nonces.

ALTER TABLE nonces ADD COLUMN client_address TEXT NOT NULL DEFAULT '';
CREATE INDEX nonces_by_address ON nonces (authenticator_id, purpose, client_address, expires_at);
CREATE INDEX nonces_by_expiry ON nonces (expires_at);
