-- The identity secret is shown once (issue 11): after it was read, or
-- given by a rotation, it is not shown again; a new one comes by
-- rotating. Existing sites may show theirs one more time.
ALTER TABLE sites ADD COLUMN identity_secret_shown BOOLEAN NOT NULL DEFAULT false;
