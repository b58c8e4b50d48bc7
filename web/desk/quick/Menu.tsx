// The "/" menu of the composer: the quick responses the agent may use,
// searched by shortcut and title; the one picked fills the composer with
// its fields filled in from the chat (fill.ts). A chunk of its own, loaded
// when an agent first types "/".
import { useEffect, useState } from 'preact/hooks';
import { type Contact, getContact } from '../contacts/api';
import type { DeskStore } from '../store';
import { listQuick, type QuickResponse, useQuick } from './api';
import { type FieldValues, fill } from './fill';

/** What the open chat gives the fields: its contact's record first, then what the visitor said. */
function valuesOf(store: DeskStore, contact: Contact | null | undefined): FieldValues {
  const c = store.open$.value;
  const v = c ? (store.visitors.value.get(c.visitor_id) ?? store.details.value.get(c.visitor_id)?.visitor) : undefined;
  const out: FieldValues = {
    'contact.name': contact?.name || v?.name,
    'contact.email': contact?.email || v?.email,
    'agent.name': store.me.value?.name,
    'site.name': c ? store.siteNames.value.get(c.site_id) : undefined,
  };
  for (const [k, val] of Object.entries(v?.context ?? c?.context ?? {})) {
    if (val !== null && val !== undefined) out[`context.${k}`] = String(val);
  }
  return out;
}

/**
 * QuickMenu lists the quick responses matching query (the text after
 * "/"); onPick gets the chosen one's text, its fields filled in, and the
 * fields left to fill by hand.
 */
export function QuickMenu({ store, query, active, onPick, onCount }: {
  store: DeskStore;
  query: string;
  active: number;
  onPick: (text: string, missing: string[]) => void;
  onCount: (n: number, pick: (i: number) => void) => void;
}) {
  const [all, setAll] = useState<QuickResponse[] | null>(null);
  const [failed, setFailed] = useState(false);
  // The chat's contact, read before the list shows (undefined: still reading).
  const contactId = store.open$.value?.contact_id;
  const [contact, setContact] = useState<Contact | null | undefined>(contactId ? undefined : null);
  useEffect(() => {
    if (contactId) getContact(contactId).then((p) => setContact(p.contact), () => setContact(null));
  }, [contactId]);
  // Read each time the menu opens: a change in Settings shows at once.
  useEffect(() => {
    listQuick().then(setAll, () => setFailed(true));
  }, []);
  const q = query.toLowerCase();
  const shown = (contact === undefined ? [] : (all ?? [])).filter((r) => r.shortcut.includes(q) || r.title.toLowerCase().includes(q)).slice(0, 8);
  const pick = (i: number) => {
    const r = shown[i];
    if (!r) return;
    const { text, missing } = fill(r.body, valuesOf(store, contact));
    void useQuick(r.id).catch(() => undefined);
    onPick(text, missing);
  };
  useEffect(() => onCount(shown.length, pick), [shown.length, query, all]);
  if (failed) return <p class="quick-menu muted">Quick responses cannot be loaded.</p>;
  if (!all || contact === undefined) return <p class="quick-menu muted">Loading quick responses…</p>;
  if (shown.length === 0) {
    return (
      <p class="quick-menu muted">
        No quick response matches “/{query}”. Add some under Settings → Quick responses.
      </p>
    );
  }
  return (
    <ul class="quick-menu" role="listbox" id="quick-menu" aria-label="Quick responses">
      {shown.map((r, i) => (
        <li
          key={r.id}
          id={`quick-${r.id}`}
          role="option"
          aria-selected={i === active}
          class={i === active ? 'on' : ''}
          onMouseDown={(e) => {
            e.preventDefault();
            pick(i);
          }}
        >
          <strong>/{r.shortcut}</strong> {r.title}
          <span class="muted quick-preview">{r.body}</span>
        </li>
      ))}
    </ul>
  );
}
