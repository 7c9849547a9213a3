-- Retention: expired rows are purged in small batches by a background task; these indexes
-- let each batch find its rows without a scan. The open-actions cap counts recent actions
-- still waiting for a challenge per tenant.

CREATE INDEX challenges_by_expiry ON challenges (expires_at);
CREATE INDEX actions_by_created ON actions (created_at);
CREATE INDEX actions_open ON actions (tenant_id, state, created_at);
