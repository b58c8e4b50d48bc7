import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { deskHelpers, marker, openDesk, ownerEmail, ownerPassword, shot, teamURL, widgetHelpers } from './fixtures';

// A new team sets itself up from the desk alone, on a server of its own
// (first start): the owner signs in, makes a department, a site whose
// snippet goes onto a page on another origin (refused until that origin is
// allowed, and the owner can see why), and an agent, who signs in with the
// password the desk showed once, finds the settings read-only, goes online
// and gets the visitor's chat; when she closes the desk the chat goes back
// to the queue after the grace period (2 s on this server).
test('a new team sets up from the desk: department, site, snippet, origin, agent, presence', async ({ browser }, info) => {
  const ownerCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: teamURL });
  const p = await ownerCtx.newPage();
  await p.goto('/');
  await p.getByLabel('E-mail').fill(ownerEmail);
  await p.getByLabel('Password').fill(ownerPassword);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await expect(p.locator('.health')).toHaveText('Connected');
  // Offline until they say otherwise: the desk says so and offers the way out.
  await expect(p.locator('.go-online')).toContainText('You are offline');
  const owner = { ctx: ownerCtx, page: p };
  await owner.ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: teamURL });
  await p.getByRole('button', { name: 'Settings' }).click();
  const nav = p.getByRole('navigation', { name: 'Settings' });

  const dept = marker('Billing');
  await nav.getByRole('link', { name: 'Departments' }).click();
  await p.getByLabel('New department name').fill(dept);
  await p.getByRole('button', { name: 'Add department' }).click();
  await expect(p.getByLabel(`Name of ${dept}`)).toHaveValue(dept);
  // Hours of its own narrow its sites'; then back to the sites' hours
  // (Bea must be able to take its chat below, whatever the day).
  await p.getByRole('button', { name: "Hours: the sites' hours" }).click();
  const deptHours = p.getByRole('form', { name: `Hours of ${dept}` });
  await deptHours.getByLabel('Hours of its own').check();
  await deptHours.getByLabel('Time zone').fill('Mars/Olympus');
  await deptHours.getByRole('button', { name: 'Save hours' }).click();
  await expect(deptHours.getByRole('alert')).toContainText('unknown time zone');
  await deptHours.getByLabel('Time zone').fill('Europe/Berlin');
  await deptHours.getByLabel('Saturday').check();
  await deptHours.getByRole('button', { name: 'Save hours' }).click();
  await expect(deptHours.getByRole('status')).toHaveText('Saved');
  await expect(p.getByRole('button', { name: 'Hours: own hours' })).toBeVisible();
  await p.getByRole('heading', { name: 'Departments' }).scrollIntoViewIfNeeded();
  await shot(p, 'desk-settings-department-hours', info);
  // Its members, ticked on the department's own page.
  const deptRow = p.locator('li', { has: p.getByLabel(`Name of ${dept}`) });
  await deptRow.getByRole('button', { name: /^Members: / }).click();
  await expect(p.getByRole('group', { name: `Members of ${dept}` })).toBeVisible();
  await shot(p, 'desk-settings-departments', info);
  await deptRow.getByRole('button', { name: /^Members: / }).click();
  await deptHours.getByLabel('Hours of its own').uncheck();
  await deptHours.getByRole('button', { name: 'Save hours' }).click();
  await expect(p.getByRole('button', { name: "Hours: the sites' hours" })).toBeVisible();

  const siteName = marker('Shop');
  await nav.getByRole('link', { name: 'Sites' }).click();
  await expect(p.getByRole('list', { name: 'Sites' })).toBeVisible();
  await shot(p, 'desk-settings-sites', info);
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

  const bea = await openDesk(browser, undefined, { email, password }, teamURL);
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

  // Bea goes online from the prompt and gets the waiting chat (her
  // department's; the owner is offline and in none).
  await bea.page.getByRole('button', { name: '← Back to conversations' }).click();
  await bea.page.locator('.go-online').getByRole('button', { name: 'Go online' }).click();
  await expect(bea.page.getByRole('radio', { name: 'Online' })).toHaveAttribute('aria-checked', 'true');
  await expect(bea.page.locator('.go-online')).toHaveCount(0);
  const beaDesk = deskHelpers(bea.page);
  const row = bea.page.locator('#queue .conv-row', { hasText: hello });
  await row.click();
  await expect(bea.page.locator('.pane-head')).toContainText('Assigned to you');
  const reply = marker('Bea here, happy to help');
  await beaDesk.composer.fill(reply);
  await beaDesk.composer.press('Enter');
  await expect(w.theirs.filter({ hasText: reply })).toHaveCount(1);

  // She closes the tab: after the grace period she is offline in effect
  // and the chat is back in the queue, with a line saying why.
  await bea.page.close();
  const ownerRow = p.locator('#queue .conv-row', { hasText: reply });
  await p.getByRole('button', { name: '← Back to conversations' }).click();
  await p.getByRole('button', { name: 'Unassigned' }).click();
  await expect(ownerRow).toHaveCount(1);
  await ownerRow.click();
  await expect(p.locator('.history')).toContainText('Bea from Billing is offline (desk closed): back to the queue');
  // The owner answers it, and so takes it.
  const owned = deskHelpers(p);
  await owned.composer.fill('The owner here, I can help');
  await owned.composer.press('Enter');
  await expect(p.locator('.pane-head')).toContainText('Assigned to you');
  await expect(w.theirs.filter({ hasText: 'The owner here, I can help' })).toHaveCount(1);

  // Bea is disabled: her desk signs out at once; enabled, she may come back.
  bea.page = await bea.ctx.newPage();
  await bea.page.goto('/');
  await expect(bea.page.locator('.health')).toHaveText('Connected');
  await p.getByRole('button', { name: 'Settings' }).click();
  await nav.getByRole('link', { name: 'Team' }).click();
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
