-- Creating a challenge counts the user's open challenges and looks for a recent "it wasn't
-- me"; fetching one looks for the user's oldest open challenge. These indexes hold only
-- the rows those reads need (unanswered challenges; "it wasn't me" answers), so neither
-- read walks the user's whole history.
CREATE INDEX challenges_unanswered ON challenges (tenant_id, user_id, created_at)
    WHERE answered_at IS NULL;
CREATE INDEX challenges_not_me ON challenges (tenant_id, user_id, answered_at)
    WHERE decline_reason = 'notMe';
