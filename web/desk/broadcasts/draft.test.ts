import { describe, expect, it } from 'vitest';
import type { Broadcast } from './api';
import { actions, audienceOf, check, draftOf, fieldKey, inputOf, languagesOf, NEW_PAGE, same, upsert, versionOf, withStats } from './draft';

const audience: Broadcast['audience'] = { site_ids: [], pages: [], visitors: 'all', identity: 'all', fields: [], languages: [] };
const stats = { reached: 4, shown: 9, dismissed: 1, clicked: 2, replied: 0 };
const b = (over: Partial<Broadcast> = {}): Broadcast => ({
  id: 'b1',
  name: 'Spring sale',
  kind: 'banner',
  placement: 'bottom',
  text: '20 % off',
  button: { label: 'See', url: 'https://shop.example/sale' },
  audience,
  frequency: 'session',
  status: 'draft',
  starts_at: '2025-03-01T08:00:00Z',
  ends_at: null,
  created_by: 'a1',
  created_at: '2025-02-01T10:00:00Z',
  updated_at: '2025-02-01T10:00:00Z',
  ...over,
});

describe('the broadcast form', () => {
  it('starts a new broadcast as a banner at the top, from me, shown once', () => {
    const d = draftOf(null, 'UTC', 'me');
    expect(d).toMatchObject({ name: '', kind: 'banner', placement: 'top', button: false, sender: 'me', frequency: 'once', starts: '', ends: '', languages: '' });
    expect(inputOf(d, 'UTC')).toEqual({ name: '', kind: 'banner', placement: 'top', text: '', button: null, audience, frequency: 'once', starts_at: null, ends_at: null });
  });

  it('reads a broadcast in the workspace zone and gives the same back', () => {
    const d = draftOf(b(), 'Europe/Berlin', 'me');
    expect(d.starts).toBe('2025-03-01T09:00');
    expect(d.sender).toBe('a1'); // no sender: whoever made it
    expect(inputOf(d, 'Europe/Berlin')).toEqual({
      name: 'Spring sale',
      kind: 'banner',
      placement: 'bottom',
      text: '20 % off',
      button: { label: 'See', url: 'https://shop.example/sale' },
      audience,
      frequency: 'session',
      starts_at: '2025-03-01T08:00:00Z',
      ends_at: null,
    });
    expect(same(d, draftOf(b(), 'Europe/Berlin', 'me'), 'Europe/Berlin')).toBe(true);
    expect(same(d, { ...d, name: 'Spring sale ' }, 'Europe/Berlin')).toBe(true); // trimmed alike
    expect(same(d, { ...d, ends: '2025-03-31T18:00' }, 'Europe/Berlin')).toBe(false);
  });

  it('sends a message its sender and no banner fields; a banner without its button clears it', () => {
    const msg = inputOf({ ...draftOf(b(), 'UTC', 'me'), kind: 'message', sender: 'a2' }, 'UTC');
    expect(msg.sender_id).toBe('a2');
    expect(msg.button).toBeNull();
    expect('placement' in msg).toBe(false);
    const plain = inputOf({ ...draftOf(b(), 'UTC', 'me'), button: false }, 'UTC');
    expect(plain.button).toBeNull();
    expect('sender_id' in plain).toBe(false);
  });

  it('drops empty rules and reads languages as primary subtags', () => {
    expect(languagesOf(' en-GB, DE;fr_CA  en ')).toEqual(['en', 'de', 'fr']);
    expect(languagesOf('')).toEqual([]);
    const d = {
      ...draftOf(null, 'UTC', 'me'),
      sites: ['s1'],
      pages: [
        { match: 'starts_with' as const, value: ' /pricing ' },
        { match: 'contains' as const, value: '  ' },
      ],
      fields: [
        { key: ' plan ', value: ' pro ' },
        { key: '', value: 'x' },
      ],
      languages: 'en, de-AT',
    };
    expect(audienceOf(d)).toEqual({
      site_ids: ['s1'],
      pages: [{ match: 'starts_with', value: '/pricing' }],
      visitors: 'all',
      identity: 'all',
      fields: [{ key: 'plan', value: 'pro' }],
      languages: ['en', 'de'],
    });
  });

  it('checks what the server would refuse', () => {
    const ok = draftOf(b(), 'UTC', 'me');
    expect(check(ok, 'UTC')).toEqual({});
    expect(Object.keys(check({ ...ok, name: ' ', text: '' }, 'UTC'))).toEqual(['name', 'text']);
    expect(check({ ...ok, name: 'x'.repeat(101) }, 'UTC').name).toMatch(/100/);
    expect(check({ ...ok, text: 'x'.repeat(1001) }, 'UTC').text).toMatch(/1000/);
    expect(check({ ...ok, label: 'x'.repeat(41) }, 'UTC')['button.label']).toMatch(/40/);
    expect(check({ ...ok, label: '' }, 'UTC')['button.label']).toBeTruthy();
    for (const url of ['javascript:alert(1)', 'shop.example', 'ftp://shop.example', '']) expect(check({ ...ok, url }, 'UTC')['button.url']).toBeTruthy();
    expect(check({ ...ok, url: 'http://shop.example/a?b=c' }, 'UTC')).toEqual({});
    // A message has no button to check; a banner's button, off, neither.
    expect(check({ ...ok, kind: 'message', url: 'nope' }, 'UTC')).toEqual({});
    expect(check({ ...ok, button: false, url: 'nope' }, 'UTC')).toEqual({});
    expect(check({ ...ok, languages: 'english' }, 'UTC')['audience.languages']).toBeTruthy();
    expect(check({ ...ok, starts: '2025-03-02T10:00', ends: '2025-03-02T10:00' }, 'UTC').ends_at).toBeTruthy();
    expect(check({ ...ok, starts: '', ends: '2025-03-02T10:00' }, 'UTC')).toEqual({});
  });

  it('says a rule half filled in on its row, and leaves a row as added unsaid', () => {
    const ok = draftOf(b(), 'UTC', 'me');
    const e = check(
      {
        ...ok,
        pages: [
          { match: 'starts_with', value: ' ' }, // a match chosen, no address
          { ...NEW_PAGE }, // as added: no rule
          { match: 'equals', value: '/pricing' },
        ],
        fields: [
          { key: ' plan ', value: 'pro' },
          { key: ' ', value: 'x' }, // a value for no field
          { key: '', value: ' ' }, // empty: no rule
          { key: 'vip', value: '' }, // the field is blank: a rule
        ],
      },
      'UTC',
    );
    expect(e).toEqual({ 'audience.pages[0]': expect.stringMatching(/address/), 'audience.fields[1]': expect.stringMatching(/field/) });
  });

  it('shows an API error beside its field', () => {
    expect(fieldKey('name')).toBe('name');
    expect(fieldKey('button.url')).toBe('button.url');
    expect(fieldKey('button')).toBe('button.url');
    expect(fieldKey('audience.pages[2].value')).toBe('audience.pages[2]');
    expect(fieldKey('audience.fields[0]')).toBe('audience.fields[0]');
    expect(fieldKey('audience.pages.2.value')).toBe('audience.pages');
    expect(fieldKey('audience.languages')).toBe('audience.languages');
    expect(fieldKey('audience.whatever')).toBe('audience');
    expect(fieldKey('audience')).toBe('audience');
    expect(fieldKey('starts_at')).toBe('starts_at');
    expect(fieldKey('status')).toBe('');
    expect(fieldKey('')).toBe('');
  });
});

describe('the buttons a status offers', () => {
  it('puts a draft or a paused one live, or schedules it when its start is ahead', () => {
    expect(actions('new', false)).toEqual({ save: true, activate: 'Activate', pause: false, end: false, remove: false });
    expect(actions('draft', false)).toEqual({ save: true, activate: 'Activate', pause: false, end: false, remove: true });
    expect(actions('draft', true).activate).toBe('Schedule');
    expect(actions('paused', false)).toEqual({ save: true, activate: 'Resume', pause: false, end: true, remove: true });
    expect(actions('paused', true).activate).toBe('Schedule');
  });
  it('pauses or ends a running one; an ended one is only deleted', () => {
    expect(actions('active', false)).toEqual({ save: true, activate: '', pause: true, end: true, remove: true });
    expect(actions('scheduled', true)).toEqual({ save: true, activate: '', pause: true, end: true, remove: true });
    expect(actions('ended', false)).toEqual({ save: false, activate: '', pause: false, end: false, remove: true });
  });
});

describe('the list following the socket', () => {
  const list = [b({ id: 'new', created_at: '2025-03-01T00:00:00Z', stats }), b({ id: 'old', created_at: '2025-01-01T00:00:00Z', stats })];
  it('keeps the counts a frame lacks, and the order newest first', () => {
    const changed = upsert(list, b({ id: 'old', created_at: '2025-01-01T00:00:00Z', name: 'Renamed' }), '');
    expect(changed.map((x) => x.id)).toEqual(['new', 'old']);
    expect(changed[1]).toMatchObject({ name: 'Renamed', stats });
    const added = upsert(list, b({ id: 'mid', created_at: '2025-02-01T00:00:00Z' }), '');
    expect(added.map((x) => x.id)).toEqual(['new', 'mid', 'old']);
    expect(added[1].stats).toBeUndefined();
  });
  it('drops one that left the status shown, and adds one that came to it', () => {
    expect(upsert(list, b({ id: 'old', created_at: '2025-01-01T00:00:00Z', status: 'active' }), 'draft').map((x) => x.id)).toEqual(['new']);
    expect(upsert(list, b({ id: 'x', created_at: '2025-04-01T00:00:00Z', status: 'draft' }), 'draft').map((x) => x.id)).toEqual(['x', 'new', 'old']);
    expect(upsert([], b({ status: 'paused' }), 'active')).toEqual([]);
    // An older version (a frame overtaken by a reload) changes nothing.
    const fresh = b({ id: 'old', created_at: '2025-01-01T00:00:00Z', updated_at: '2025-06-01T10:00:05.1Z', name: 'Fresh' });
    const stale = b({ id: 'old', created_at: '2025-01-01T00:00:00Z', updated_at: '2025-06-01T10:00:05Z', name: 'Stale' });
    expect(upsert([fresh], stale, '').map((x) => x.name)).toEqual(['Fresh']);
    // Times with and without fractions sort as instants.
    const sorted = upsert([b({ id: 'a', created_at: '2025-03-01T10:00:05Z' })], b({ id: 'c', created_at: '2025-03-01T10:00:05.5Z' }), '');
    expect(sorted.map((x) => x.id)).toEqual(['c', 'a']);
  });
  it('tells a newer version from the same or an older one, as instants', () => {
    const held = b({ updated_at: '2025-02-01T10:00:05.09Z' });
    // As strings "…05.1Z" sorts before "…05.09Z"; as instants it is later.
    expect(versionOf(b({ updated_at: '2025-02-01T10:00:05.1Z' }), held)).toBe(1);
    expect(versionOf(b({ updated_at: '2025-02-01T10:00:05.090Z' }), held)).toBe(0);
    expect(versionOf(b({ updated_at: '2025-02-01T11:00:05.09+01:00' }), held)).toBe(0);
    expect(versionOf(b({ updated_at: '2025-02-01T10:00:05Z' }), held)).toBe(-1);
    expect(versionOf(b({ updated_at: '' }), held)).toBe(-1); // unreadable: never shown over what is held
    expect(versionOf(held, b({ updated_at: 'nonsense' }))).toBe(1);
  });

  it('prefers fresh counts to old ones', () => {
    const fresh = { ...stats, shown: 99 };
    expect(withStats(b({ stats: fresh }), b({ stats })).stats).toEqual(fresh);
    expect(withStats(b(), null).stats).toBeUndefined();
  });
});
