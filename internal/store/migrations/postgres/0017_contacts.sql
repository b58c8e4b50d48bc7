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
ALTER TABLE contacts ADD COLUMN claimed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE contacts SET search = LOWER(name || ' ' || email || ' ' || COALESCE(external_id, ''));
-- (Unlike SQLite's, this name index does not carry the search text: a
-- PostgreSQL index entry is limited to about 2.7 KB, and a contact's
-- fields may be longer.)
CREATE INDEX contacts_by_name ON contacts (workspace_id, name, id) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_created ON contacts (workspace_id, created_at, id) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_updated ON contacts (workspace_id, updated_at, id) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_email ON contacts (workspace_id, email) WHERE merged_into IS NULL;
CREATE INDEX visitors_contact ON visitors (contact_id);
CREATE INDEX conversations_contact ON conversations (contact_id);
