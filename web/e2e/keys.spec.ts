import { expect, test } from '@playwright/test';
import { deskURL, marker, openDesk, shot } from './fixtures';

test('an admin makes an API key in Settings, a script uses it within its scopes, and revoking it stops it at once', async ({ browser, playwright }, info) => {
  const owner = await openDesk(browser);
  const { page } = owner;
  await page.goto(`${deskURL}/#/admin/keys`);
  const name = marker('CRM sync');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('group', { name: 'Contacts' }).getByLabel('Read and write').check();
  await page.getByRole('group', { name: 'Analytics' }).getByLabel('Read', { exact: true }).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const token = (await page.getByTestId('api-key-token').textContent())?.trim() ?? '';
  expect(token).toMatch(/^ld_/);
  await expect(page.getByText('Copy it now: it is not shown again.')).toBeVisible();
  await shot(page, 'settings-api-key', info);
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText('contacts: read and write');

  // A script, with no session: only the key.
  const script = await playwright.request.newContext({ baseURL: deskURL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const made = await script.post('/api/v1/contacts', { data: { name: 'Made by a script', email: `${marker('script')}@example.com` }, headers: { 'Idempotency-Key': 'crm-1' } });
  expect(made.status()).toBe(201);
  expect(made.headers()['ratelimit-limit']).toBe('100');
  expect((await script.get('/api/v1/tickets')).status()).toBe(403); // not in its scopes

  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await expect(page.getByRole('row', { name: new RegExp(name) })).toContainText(/Revoked/);
  expect((await script.get('/api/v1/contacts')).status()).toBe(401);
  await script.dispose();
  await owner.ctx.close();
});
