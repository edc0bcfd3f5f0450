-- Hand-edited: drizzle-kit rebuilds the table for the CHECK, and dropping `conversations` would cascade
-- to conversation_members (D1 cannot turn foreign keys off); a column CHECK on ADD COLUMN is the same rule.
ALTER TABLE `conversations` ADD `encryption` text DEFAULT 'none' NOT NULL CONSTRAINT "conversations_encryption_check" CHECK(`encryption` in ('none', 'mls'));
