import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { deskURL, marker, openDesk, shot, widgetHelpers } from './fixtures';

// A new team sets itself up from the desk alone: a department, a site whose
// snippet goes onto a page on another origin (refused until that origin is
// allowed, and the owner can see why), an agent who signs in with the
// password the desk showed once and finds the settings read-only.
test('a new team sets up from the desk: department, site, snippet, origin, agent', async ({ browser }, info) => {
  const owner = await openDesk(browser);
  const p = owner.page;
  await owner.ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: deskURL });
  await p.getByRole('button', { name: 'Settings' }).click();
  const nav = p.getByRole('navigation', { name: 'Settings' });

  const dept = marker('Billing');
  await nav.getByRole('link', { name: 'Departments' }).click();
  await p.getByLabel('New department name').fill(dept);
  await p.getByRole('button', { name: 'Add department' }).click();
  await expect(p.getByLabel(`Name of ${dept}`)).toHaveValue(dept);

  const siteName = marker('Shop');
  await nav.getByRole('link', { name: 'Sites' }).click();
  await p.getByLabel('New site name').fill(siteName);
  await p.getByRole('button', { name: 'Add site' }).click();
  await expect(p.getByRole('heading', { name: siteName })).toBeVisible();
  await expect(p).toHaveURL(/#\/admin\/sites\/.+/);
  const snippet = (await p.getByTestId('snippet').textContent()) ?? '';
  expect(snippet).toMatch(/^<script src="http:\/\/127\.0\.0\.1:\d+\/widget\.js" data-site="wk_[\w-]+" async><\/script>$/);
  await p.getByRole('button', { name: 'Copy' }).click();
  await expect(p.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await p.evaluate(() => navigator.clipboard.readText())).toBe(snippet);

  // The identity secret: revealed on demand, rotated after a warning.
  await p.getByRole('button', { name: 'Reveal secret' }).click();
  const secret = p.locator('code.secret');
  await expect(secret).toHaveText(/^[\w-]{40,}$/);
  const before = await secret.textContent();
  await p.getByRole('button', { name: 'Rotate secret' }).click();
  await p.getByRole('alertdialog', { name: 'Rotate the identity secret' }).getByRole('button', { name: 'Rotate now' }).click();
  await expect(secret).not.toHaveText(before ?? '');
  await expect(secret).toHaveText(/^[\w-]{40,}$/);

  await p.getByLabel('Allowed origins').fill('https://shop.example');
  await p.getByLabel('Default department').selectOption({ label: dept });
  await p.getByRole('button', { name: 'Save site' }).click();
  await expect(p.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

  // The snippet on the shop's page, served from another origin than the
  // one allowed: the widget is refused, and the owner sees where.
  // (A server of its own on another port: another origin, as a customer's
  // site is, on loopback as this test must be.)
  const shop = createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Shop</title><h1>Shop</h1>${snippet}`);
  });
  await new Promise<void>((ok) => shop.listen(0, '127.0.0.1', ok));
  const shopOrigin = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  const visitorCtx = await browser.newContext();
  const vp = await visitorCtx.newPage();
  await vp.goto(`${shopOrigin}/`);
  const refused = p.getByRole('region', { name: 'Recently refused origins' });
  await expect(async () => {
    await p.reload();
    await expect(refused).toContainText(shopOrigin, { timeout: 2000 });
  }).toPass();
  await refused.scrollIntoViewIfNeeded();
  await shot(p, 'desk-settings-site', info);
  await refused.getByRole('button', { name: 'Allow' }).click();
  await expect(p.getByLabel('Allowed origins')).toHaveValue(`https://shop.example\n${shopOrigin}`);
  await p.getByRole('button', { name: 'Save site' }).click();
  await expect(p.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();

  // Now the page's widget chats, and the desk gets it.
  await vp.reload();
  const w = widgetHelpers(vp.locator('livedesk-widget'));
  await w.launcher.click();
  const hello = marker('hello from the shop');
  await w.input.fill(hello);
  await w.input.press('Enter');
  await p.getByRole('button', { name: '← Back to conversations' }).click();
  await expect(p.locator('#queue .conv-row', { hasText: hello })).toHaveCount(1);

  // An agent in the department, made from the Team page.
  await p.getByRole('button', { name: 'Settings' }).click();
  await nav.getByRole('link', { name: 'Team' }).click();
  const form = p.locator('form.admin-new');
  const email = `${marker('bea')}@livedesk.local`;
  await form.getByLabel('Name').fill('Bea');
  await form.getByLabel('E-mail').fill(email);
  await form.getByLabel(dept).check();
  await form.getByRole('button', { name: 'Add agent' }).click();
  const shown = p.getByRole('status').filter({ hasText: 'Password for Bea' });
  await expect(shown).toBeVisible();
  const password = (await shown.locator('code').textContent()) ?? '';
  expect(password.length).toBeGreaterThanOrEqual(12);
  await expect(p.getByRole('row', { name: /Bea/ })).toContainText(dept);
  await shot(p, 'desk-settings-team', info);

  const bea = await openDesk(browser, undefined, { email, password });
  await bea.page.getByRole('button', { name: 'Settings' }).click();
  await bea.page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Team' }).click();
  await expect(bea.page.getByRole('row', { name: /Bea/ })).toBeVisible();
  await expect(bea.page.getByRole('button', { name: 'Add agent' })).toHaveCount(0);
  await expect(bea.page.getByRole('combobox', { name: /Role of/ })).toHaveCount(0);

  // Her own profile: the name visitors see (the top bar follows), her password.
  await bea.page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Your profile' }).click();
  await bea.page.getByLabel('Display name').fill('Bea from Billing');
  await bea.page.getByRole('button', { name: 'Save name' }).click();
  await expect(bea.page.locator('.me-name')).toHaveText('Bea from Billing');
  await bea.page.getByLabel('Current password').fill('not my password at all');
  await bea.page.getByLabel('New password').fill('a brand new password for bea');
  await bea.page.getByRole('button', { name: 'Change password' }).click();
  await expect(bea.page.locator('#pw-current-error')).toHaveText('the current password is wrong');
  await bea.page.getByLabel('Current password').fill(password);
  await bea.page.getByRole('button', { name: 'Change password' }).click();
  await expect(bea.page.getByRole('status').filter({ hasText: 'Password changed' })).toBeVisible();
  await shot(bea.page, 'desk-settings-profile', info);

  // Bea is disabled: her desk signs out at once; enabled, she may come back.
  const beaRow = p.getByRole('row', { name: /Bea/ });
  await beaRow.getByRole('button', { name: 'Disable' }).click();
  await expect(beaRow).toContainText('disabled');
  await expect(bea.page.getByRole('heading', { name: 'Sign in to your workspace' })).toBeVisible();
  await beaRow.getByRole('button', { name: 'Enable' }).click();
  await expect(beaRow.getByRole('button', { name: 'Disable' })).toBeVisible();

  await visitorCtx.close();
  shop.close();
  await bea.ctx.close();
  await owner.ctx.close();
});
