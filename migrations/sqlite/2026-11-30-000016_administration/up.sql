-- A user an administrator disabled (someone who left): no sign-in, no token works, until enabled again.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;
