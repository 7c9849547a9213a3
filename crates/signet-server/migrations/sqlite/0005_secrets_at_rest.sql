-- Secrets at rest: the database keeps no tenant secret key and no token key, so a copy of it
-- can neither call the backend API nor mint a token (docs/security.md 3.7).
--
-- 1. The secret key column keeps its NOT NULL UNIQUE index (the lookup by hash) under a new
--    name and holds the SHA-256 hash of the key as a 32-byte BLOB. SQLite has no SHA-256:
--    the server (`hash_plain_secret_keys`, run right after the migrations at every start,
--    before it serves) replaces the plain keys of an older database, stored as TEXT, by their
--    hashes and then rewrites the file (VACUUM) so no copy of them is left in free pages.
ALTER TABLE tenants RENAME COLUMN secret_key TO secret_key_sha256;

-- 2. Tokens are signed with a key derived from the server's token key (a file or an
--    environment variable, never in the database); the per-tenant token secrets go. Tokens
--    issued before this migration no longer verify (they lived 10 minutes).
ALTER TABLE tenants DROP COLUMN token_secret;
