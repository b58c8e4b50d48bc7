import { describe, expect, it } from 'vitest';
import type { WhatsAppChannel, WhatsAppTemplate } from './api';
import { type ChannelForm, createInput, EMPTY_FORM, fieldOf, formOf, listOrder, patchOf, problems, reviewOf, syncSummary } from './channels';

const channel: WhatsAppChannel = {
  id: 's1',
  site_id: 's1',
  name: 'Support',
  phone_number_id: '1234567890',
  business_account_id: '987654321',
  display_phone_number: '+49 30 1234567',
  webhook_url: 'https://desk.example/api/v1/whatsapp/webhook/s1',
  status: 'connected',
  templates_synced_at: null,
  created_at: '2025-03-01T09:00:00Z',
  updated_at: '2025-03-01T09:00:00Z',
};

const full: ChannelForm = {
  name: ' Support ',
  display_phone_number: '+49 30 1234567',
  phone_number_id: ' 1234567890 ',
  business_account_id: '987654321',
  access_token: 'EAAG…',
  app_secret: 'abc123',
  verify_token: '',
};

describe('a number’s form', () => {
  it('needs names, IDs and both secrets to connect', () => {
    expect(problems(full, true)).toEqual({});
    expect(Object.keys(problems(EMPTY_FORM, true))).toEqual(['name', 'display_phone_number', 'phone_number_id', 'business_account_id', 'access_token', 'app_secret']);
  });
  it('refuses IDs that are not digits', () => {
    expect(problems({ ...full, phone_number_id: '+49 30 1234567' }, true).phone_number_id).toMatch(/digits only/);
    expect(problems({ ...full, business_account_id: 'waba-1' }, true).business_account_id).toMatch(/digits only/);
  });
  it('keeps the secrets when an edit leaves them empty', () => {
    expect(problems(formOf(channel), false)).toEqual({});
  });
  it('refuses a name too long and a verify token with spaces', () => {
    expect(problems({ ...full, name: 'x'.repeat(101) }, true).name).toMatch(/at most 100/);
    expect(problems({ ...full, name: 'é'.repeat(51) }, true).name).toMatch(/at most 100/); // bytes, as the server counts
    expect(problems({ ...full, verify_token: 'two words' }, true).verify_token).toMatch(/no spaces/);
  });
  it('sends a new number trimmed, with no verify token when none was typed', () => {
    expect(createInput(full)).toEqual({
      name: 'Support',
      display_phone_number: '+49 30 1234567',
      phone_number_id: '1234567890',
      business_account_id: '987654321',
      access_token: 'EAAG…',
      app_secret: 'abc123',
    });
    expect(createInput({ ...full, verify_token: ' mine ' }).verify_token).toBe('mine');
  });
});

describe('an edit', () => {
  it('starts from the number, its secrets empty', () => {
    expect(formOf(channel)).toEqual({ ...EMPTY_FORM, name: 'Support', display_phone_number: '+49 30 1234567', phone_number_id: '1234567890', business_account_id: '987654321' });
  });
  it('sends only what changed, and a secret only when one was typed', () => {
    expect(patchOf(channel, formOf(channel))).toEqual({});
    expect(patchOf(channel, { ...formOf(channel), name: 'Sales ', access_token: ' new ' })).toEqual({ name: 'Sales', access_token: 'new' });
    expect(patchOf(channel, { ...formOf(channel), app_secret: 's', verify_token: 'v', business_account_id: '1' })).toEqual({ app_secret: 's', verify_token: 'v', business_account_id: '1' });
  });
  it('shows a refusal at the field the server names', () => {
    expect(fieldOf('access_token')).toBe('access_token');
    expect(fieldOf('phone_number_id')).toBe('phone_number_id');
    expect(fieldOf('params.1')).toBe('');
    expect(fieldOf('')).toBe('');
  });
});

const t = (name: string, status: string, language = 'en'): WhatsAppTemplate => ({ id: `${name}-${language}`, name, language, category: 'UTILITY', status, body: 'x', params: [] });

describe('templates in the settings', () => {
  it('are listed approved first, then by name', () => {
    expect(listOrder([t('b', 'REJECTED'), t('z', 'APPROVED'), t('a', 'PENDING'), t('c', 'APPROVED', 'es'), t('c', 'APPROVED', 'de')]).map((x) => x.id)).toEqual([
      'c-de',
      'c-es',
      'z-en',
      'a-en',
      'b-en',
    ]);
  });
  it('say their review state in words', () => {
    expect(reviewOf('APPROVED')).toEqual({ label: 'Approved', tone: 'green' });
    expect(reviewOf('PENDING').tone).toBe('amber');
    expect(reviewOf('REJECTED')).toEqual({ label: 'Rejected', tone: 'red' });
    expect(reviewOf('LIMIT_EXCEEDED')).toEqual({ label: 'Limit exceeded', tone: '' });
    expect(reviewOf('').label).toBe('Unknown');
  });
  it('sum up a sync in a line', () => {
    expect(syncSummary([])).toMatch(/no templates yet/);
    expect(syncSummary([t('a', 'APPROVED')])).toBe('1 template synced, all approved: agents can send it.');
    expect(syncSummary([t('a', 'APPROVED'), t('b', 'APPROVED')])).toBe('2 templates synced, all approved: agents can send them.');
    expect(syncSummary([t('a', 'PENDING')])).toBe('1 template synced, none approved yet: agents can send a template once Meta approves it.');
    expect(syncSummary([t('a', 'APPROVED'), t('b', 'REJECTED'), t('c', 'PENDING')])).toBe('3 templates synced: 1 approved, which agents can send.');
  });
});
