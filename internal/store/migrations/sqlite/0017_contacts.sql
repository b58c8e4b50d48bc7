-- Contacts (issue 14): the customer record agents read before replying.
-- phone and typed custom fields (a JSON object: key → {type, value});
-- search is the lowercased text a search matches (name, e-mail, phone,
-- external id, field values), kept by the store on every write; a contact
-- merged into another stays as a trace (merged_into), out of every list.
ALTER TABLE contacts ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN merged_into TEXT REFERENCES contacts(id) ON DELETE SET NULL;
-- A contact of claims: made from an e-mail address a visitor typed (the
-- offline form). Once no visitor, conversation or ticket is left with it,
-- the visitor retention deletes it too.
ALTER TABLE contacts ADD COLUMN claimed INTEGER NOT NULL DEFAULT 0;
UPDATE contacts SET search = LOWER(name || ' ' || email || ' ' || COALESCE(external_id, ''));
-- The search column rides in the name index, so a search reads the index
-- alone (no row lookups) until it has a page (docs/benchmarks.md).
CREATE INDEX contacts_by_name ON contacts (workspace_id, name, id, search) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_created ON contacts (workspace_id, created_at, id) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_updated ON contacts (workspace_id, updated_at, id) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_email ON contacts (workspace_id, email) WHERE merged_into IS NULL;
CREATE INDEX visitors_contact ON visitors (contact_id);
CREATE INDEX conversations_contact ON conversations (contact_id);

-- A search of three characters or more goes through a trigram index
-- (FTS5): it finds the few contacts that match instead of testing every
-- one (docs/benchmarks.md, Contact search). The index's rowid is
-- search_id, the contact's own stable number: a table's implicit rowid may
-- change with VACUUM (and VACUUM INTO, the backup), which would point the
-- index at other contacts. Triggers keep it in step with every write.
ALTER TABLE contacts ADD COLUMN search_id INTEGER;
UPDATE contacts SET search_id = rowid;
CREATE UNIQUE INDEX contacts_search_id ON contacts (search_id);
CREATE VIRTUAL TABLE contacts_fts USING fts5(search, tokenize = 'trigram');
INSERT INTO contacts_fts (rowid, search) SELECT search_id, search FROM contacts;
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, search) VALUES (new.search_id, new.search);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.search_id;
    INSERT INTO contacts_fts (rowid, search) VALUES (new.search_id, new.search);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.search_id;
END;
