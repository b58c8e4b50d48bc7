import { expect, test } from '@playwright/test';
import { deskURL, marker, openDesk, shot } from './fixtures';

// The e2e server allows private targets, so an endpoint on 127.0.0.1 is
// accepted. Nothing listens on port 9: a test event gets no answer.
const HOOK_URL = 'http://127.0.0.1:9/hook';

test('an admin adds a webhook in Settings, sees its secret once, turns it off and on, reads its delivery log and deletes it', async ({ browser }, info) => {
  const owner = await openDesk(browser);
  const { page } = owner;
  await page.goto(`${deskURL}/#/admin/webhooks`);
  const heading = page.getByRole('heading', { name: 'Webhooks', level: 2 });
  await expect(heading).toBeVisible();

  // One event only: nothing else going on in the workspace may be sent to it.
  const name = marker('CRM hook');
  const form = page.getByRole('form', { name: 'New webhook' });
  await form.getByLabel('URL', { exact: true }).fill(HOOK_URL);
  await form.getByLabel('Description', { exact: true }).fill(name);
  await form.getByRole('button', { name: 'Add webhook' }).click();
  await expect(form.getByRole('alert')).toContainText('Choose at least one event');
  await form.getByRole('group', { name: 'Contacts' }).getByLabel('contact.updated').check();
  await form.getByRole('button', { name: 'Add webhook' }).click();

  // The secret, once; Done puts the focus back in the form.
  const secret = page.getByTestId('webhook-secret');
  const first = (await secret.textContent())?.trim() ?? '';
  expect(first).toMatch(/^whsec_/);
  await expect(page.getByText('Copy it now: it is not shown again.')).toBeVisible();
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(secret).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'New webhook' }).getByLabel('URL', { exact: true })).toBeFocused();

  const row = page.getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText(HOOK_URL);
  await expect(row).toContainText('contact.updated');
  await expect(row.locator('.pill')).toHaveText('Enabled');

  await page.getByRole('button', { name: `Disable ${name}` }).click();
  await expect(row.locator('.pill')).toHaveText('Disabled');
  await page.getByRole('button', { name: `Enable ${name}` }).click();
  await expect(row.locator('.pill')).toHaveText('Enabled');

  // A test event: nothing answers on port 9, and the row says so.
  await page.getByRole('button', { name: `Send test event to ${name}` }).click();
  await expect(row.getByRole('status')).toHaveText(/^(No answer|Answered)/);

  // A new secret, shown once; the old one stops at once.
  await page.getByRole('button', { name: `Rotate secret of ${name}` }).click();
  await expect(page.getByRole('alertdialog', { name: `Rotate the secret of ${name}` })).toContainText('stops at once');
  await page.getByRole('button', { name: 'Rotate now' }).click();
  const second = (await secret.textContent())?.trim() ?? '';
  expect(second).toMatch(/^whsec_/);
  expect(second).not.toBe(first);
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(secret).toHaveCount(0);
  await expect(page.getByRole('button', { name: `Rotate secret of ${name}` })).toBeFocused();

  // The delivery log: nothing was sent (a test event is not a delivery).
  await page.getByRole('button', { name: `Deliveries of ${name}` }).click();
  await expect(page).toHaveURL(/#\/admin\/webhooks\/[^/]+$/);
  const log = page.getByRole('region', { name: `Deliveries to ${name}` });
  await expect(log.getByText('No deliveries yet.')).toBeVisible();
  await shot(page, 'settings-webhooks', info);

  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await expect(page.getByRole('alertdialog', { name: `Delete ${name}` })).toBeVisible();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(row).toHaveCount(0);
  await expect(heading).toBeFocused();
  await expect(page).toHaveURL(/#\/admin\/webhooks$/);
  await owner.ctx.close();
});
