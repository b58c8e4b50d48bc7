-- Contacts (issue 14): the customer record agents read before replying.
-- phone and typed custom fields (a JSON object: key → {type, value});
-- search is the lowercased text a search matches (name, e-mail, phone,
-- external id, field values), kept by the store on every write; a contact
-- merged into another stays as a trace (merged_into), out of every list.
ALTER TABLE contacts ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN search TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN merged_into TEXT REFERENCES contacts(id) ON DELETE SET NULL;
UPDATE contacts SET search = LOWER(name || ' ' || email || ' ' || COALESCE(external_id, ''));
-- The search column rides in the name index, so a search reads the index
-- alone (no row lookups) until it has a page (docs/benchmarks.md).
CREATE INDEX contacts_by_name ON contacts (workspace_id, name, id, search) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_created ON contacts (workspace_id, created_at, id) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_updated ON contacts (workspace_id, updated_at, id) WHERE merged_into IS NULL;
CREATE INDEX contacts_by_email ON contacts (workspace_id, email) WHERE merged_into IS NULL;
CREATE INDEX visitors_contact ON visitors (contact_id);
CREATE INDEX conversations_contact ON conversations (contact_id);
