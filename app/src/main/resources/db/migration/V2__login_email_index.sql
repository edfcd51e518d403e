-- Login looks users up by email case-insensitively: without this index every login scanned usuarios.
-- Not UNIQUE: rows written by other tools may already hold two spellings of one address.
CREATE INDEX ix_usuarios_email_lower ON usuarios (lower(email));
