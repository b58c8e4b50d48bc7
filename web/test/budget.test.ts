// Size budgets of the built widget (issue 4): the loader a site pastes
// must stay under 3 KB gzipped, and the whole widget (loader and bundle)
// under 30 KB gzipped. Run `npm run build` first; CI checks dist is fresh.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const gz = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;

describe('widget budgets', () => {
  const loader = readFileSync(join(dist, 'widget.js'), 'utf8');
  const bundle = /assets\/widget-[\w-]+\.js/.exec(loader)?.[0];

  it('has a loader that names an existing bundle', () => {
    expect(bundle).toBeDefined();
    expect(() => readFileSync(join(dist, bundle ?? ''))).not.toThrow();
  });

  it('keeps the loader at most 3 KB gzipped', () => {
    expect(gz('widget.js')).toBeLessThanOrEqual(3 * 1024);
  });

  it('keeps the whole widget at most 30 KB gzipped', () => {
    expect(gz('widget.js') + gz(bundle ?? '')).toBeLessThanOrEqual(30 * 1024);
  });
});

// The desk's first load (issue 11): what index.html loads is the live
// desk only; the settings area is a chunk of its own, fetched when opened.
describe('desk budgets', () => {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const entry = /assets\/desk-[\w-]+\.js/.exec(html)?.[0] ?? '';
  const entryText = readFileSync(join(dist, entry), 'utf8');

  it('keeps the first load at most 33.6 KB of JavaScript gzipped', () => {
    // 27.3 KB before issue 11's live features (views, collision, invites,
    // seen states, paging); 28.5 after issue 12's; 30.6 with issue 13's
    // comments in the history (Markdown-lite), the bell and the Tagged tab
    // (the note composer and the inbox are chunks of their own); 31.0 with
    // issue 14's way to contacts (the contacts and the contact card are
    // chunks); 32.0 with files (the wrap-up, invite, snooze and note-edit
    // forms and the upload moved to chunks to make room); 33 KB with the
    // Boards area's way in and "Make a ticket"; 32.7 with the Broadcasts
    // area's way in (its routes, top-bar button and socket listener) and the
    // grantable permissions' labels; 33.0 with issue 18's settings (keys,
    // webhooks); 33.8 with issue 19's WhatsApp hooks (the channel's chunk
    // in the pane, its event, web-only facts hidden for a WhatsApp
    // customer): the budget went to 33.5 KB for them; 33.4 with issue 21's
    // desk.watch (the scope kept per browser, the list read again on
    // widening) and the sign-in page and the grantable permissions'
    // labels moved to chunks of their own; 33.55 with the empty Mine and
    // Unassigned views saying so instead of "No matches" (the budget went
    // to 33.6 KB for it: the entry had 6 bytes left).
    // docs/ui.md keeps the history.
    expect(gz(entry)).toBeLessThanOrEqual(33.6 * 1024);
  });

  it('loads the note composer, the inbox, the contacts and the sign-in page on demand', () => {
    expect(entryText).toMatch(/desk-SignIn-[\w-]+\.js/);
    expect(entryText).toMatch(/desk-Note-[\w-]+\.js/);
    expect(entryText).toMatch(/desk-Inbox-[\w-]+\.js/);
    expect(entryText).toMatch(/desk-Contacts-[\w-]+\.js/);
    expect(entryText).toMatch(/desk-Boards-[\w-]+\.js/);
    expect(entryText).not.toContain('Add column');
    expect(entryText).not.toContain('Merge a duplicate');
    expect(entryText).not.toContain('Any supervisor online');
  });

  it('loads the broadcasts and their editor on demand', () => {
    const chunk = /desk-Broadcasts-[\w-]+\.js/.exec(entryText)?.[0];
    expect(chunk).toBeDefined();
    expect(readFileSync(join(dist, 'assets', chunk ?? ''), 'utf8')).toContain('Who sees it');
    expect(entryText).not.toContain('Who sees it');
    expect(entryText).not.toContain('visitors online now match');
  });

  it('loads the settings area on demand, not with the live desk', () => {
    const admin = /desk-Admin-[\w-]+\.js/.exec(entryText)?.[0];
    expect(admin).toBeDefined();
    expect(readFileSync(join(dist, 'assets', admin ?? ''), 'utf8')).toContain('Identity verification secret');
    expect(entryText).not.toContain('Identity verification secret');
    expect(entryText).not.toContain('Workspace preferences');
  });
});
