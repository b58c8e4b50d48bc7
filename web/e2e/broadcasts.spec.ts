import { type Browser, expect, type Page, test } from '@playwright/test';
import { demoURL, deskURL, marker, openDesk, shot } from './fixtures';

/**
 * Resolves once the widget on page has been answered what its page view
 * shows (its broadcasts.sync): what it shows after that is what the server
 * decided, so "nothing shown" can be asserted without waiting on a clock.
 */
function nextSync(page: Page): Promise<void> {
  return new Promise((resolve) => {
    page.on('websocket', (ws) => {
      const asked = new Set<string>();
      ws.on('framesent', (f) => {
        const m = typeof f.payload === 'string' ? /"type":"broadcasts\.sync","id":"([^"]+)"/.exec(f.payload) : null;
        if (m) asked.add(m[1]);
      });
      ws.on('framereceived', (f) => {
        if (typeof f.payload !== 'string') return;
        for (const line of f.payload.split('\n')) {
          const id = /^\{"type":"ack","id":"([^"]+)"/.exec(line)?.[1];
          if (id && asked.has(id)) resolve();
        }
      });
    });
  });
}

/** A visitor on a page of the demo shop, its widget answered once. */
async function visitorOn(browser: Browser, path: string) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const synced = nextSync(page);
  await page.goto(`${demoURL}${path}`);
  await synced;
  const widget = page.locator('livedesk-widget');
  return { ctx, page, widget, banner: widget.locator('.cast-bar.top') };
}

test('an admin grants an agent broadcasts; its banner for /pricing reaches the visitor there live, not the one on the home page, stays dismissed, and is counted', async ({
  browser,
}, info) => {
  const text = `${marker('Spring sale')}: every tent 20% off this week`;
  const owner = await openDesk(browser);
  const email = `${marker('bea')}@example.com`;
  const password = 'a broadcaster password';
  const made = await owner.page.request.post(`${deskURL}/api/v1/agents`, { data: { email, name: 'Bea Broadcaster', role: 'agent', password } });
  expect(made.ok()).toBe(true);
  const bea = (await made.json()).agent as { id: string };

  // The owner grants Bea the permission in Settings → Team.
  await owner.page.goto(`${deskURL}/#/admin/team`);
  const row = owner.page.getByRole('row', { name: /Bea Broadcaster/ });
  await expect(row.locator('.grants summary')).toHaveText('None beyond the role');
  await row.locator('.grants summary').click();
  await row.getByRole('checkbox', { name: 'Manage broadcasts' }).check();
  await expect(row.locator('.grants summary')).toHaveText('Manage broadcasts');
  // The owner's row shows what its role gives, fixed.
  const ownerRow = owner.page.getByRole('row', { name: /owner@livedesk\.local/ });
  await expect(ownerRow.locator('.grants summary')).toHaveText('All');
  await expect
    .poll(async () => ((await (await owner.page.request.get(`${deskURL}/api/v1/agents/${bea.id}`)).json()) as { grants: string[] }).grants)
    .toEqual(['broadcasts.manage']);
  await shot(owner.page, 'team-permissions', info);

  // Two visitors: one on the pricing page, one on the home page.
  const onPricing = await visitorOn(browser, '/pricing');
  const onHome = await visitorOn(browser, '');

  // Bea writes a banner for pages under /pricing and activates it.
  const desk = await openDesk(browser, undefined, { email, password });
  await desk.page.getByRole('button', { name: 'Broadcasts' }).click();
  await desk.page.getByRole('button', { name: 'New broadcast' }).click();
  await desk.page.getByLabel('Name').fill('Spring sale');
  await desk.page.getByLabel('Text', { exact: true }).fill(text);
  await desk.page.getByRole('button', { name: 'Add a page' }).click();
  await desk.page.getByLabel('Page rule 1: how the address matches').selectOption('contains');
  await desk.page.getByLabel('Page rule 1: address or path').fill('/pricing');
  await expect(desk.page.locator('.bc-side')).toContainText(/online/);
  await desk.page.getByRole('button', { name: 'Save draft' }).click();
  await desk.page.getByRole('button', { name: 'Activate' }).click();
  await expect(desk.page.locator('.bc-status, .pill').filter({ hasText: 'Active' }).first()).toBeVisible();
  await shot(desk.page, 'broadcast-editor', info);

  // The visitor on /pricing sees it without reloading; the one on the home page does not.
  await expect(onPricing.banner).toContainText(text);
  await shot(onPricing.page, 'broadcast-banner', info);
  const homeAnswered = nextSync(onHome.page);
  await onHome.page.goto(`${demoURL}/contact`); // another page: asked again, still not /pricing
  await homeAnswered;
  await expect(onHome.widget.locator('.cast-bar')).toHaveCount(0);

  // Dismissed, it stays dismissed after a reload.
  await onPricing.banner.getByRole('button', { name: 'Dismiss' }).click();
  await expect(onPricing.banner).toHaveCount(0);
  const reloaded = nextSync(onPricing.page);
  await onPricing.page.reload();
  await reloaded;
  await expect(onPricing.widget.locator('.cast-bar')).toHaveCount(0);

  // The analytics count it: one visitor reached, shown, and dismissed.
  const counts = desk.page.getByRole('group', { name: 'Since it began' });
  for (const [label, n] of [
    ['Reached', '1'],
    ['Shown', '1'],
    ['Dismissed', '1'],
  ]) {
    const tile = counts.locator('.tile').filter({ has: desk.page.locator('.tile-label', { hasText: new RegExp(`^${label}$`) }) });
    await expect(tile.locator('.tile-value')).toHaveText(n, { timeout: 30_000 });
  }
  await owner.page.goto(`${deskURL}/#/analytics`);
  const section = owner.page.getByRole('region', { name: 'Broadcasts' });
  await expect(section.getByRole('row', { name: /Spring sale/ })).toContainText('1');
  await section.scrollIntoViewIfNeeded();
  await shot(owner.page, 'analytics-broadcasts', info);

  // It ends, as broadcasts do: the other specs' visitors of /pricing see none.
  await desk.page.getByRole('button', { name: 'End…' }).click();
  await desk.page.getByRole('alertdialog').getByRole('button', { name: /End/ }).click();
  await expect(desk.page.locator('.bc-status').first()).toHaveText('Ended');
  for (const c of [onPricing.ctx, onHome.ctx, desk.ctx, owner.ctx]) await c.close();
});

test('a visitor replies to a chat message broadcast: the chat opens with it, linked to it on the desk', async ({ browser }, info) => {
  const text = `${marker('Need a hand')}: which tent suits you?`;
  const desk = await openDesk(browser);
  const made = await desk.page.request.post(`${deskURL}/api/v1/broadcasts`, { data: { name: 'Tent advice', kind: 'message', text, frequency: 'session' } });
  expect(made.status()).toBe(201);
  const { id } = (await made.json()) as { id: string };
  expect((await desk.page.request.post(`${deskURL}/api/v1/broadcasts/${id}/activate`)).ok()).toBe(true);

  const visitor = await visitorOn(browser, '/pricing');
  const teaser = visitor.widget.locator('.teaser');
  await expect(teaser).toContainText(text);
  await expect(teaser.locator('.author')).not.toBeEmpty(); // signed: its sender, or the team
  await shot(visitor.page, 'broadcast-message', info);
  await teaser.locator('.teaser-body').click();
  await expect(visitor.widget.locator('li.msg.theirs').filter({ hasText: text })).toBeVisible();
  await expect(teaser).toHaveCount(0);
  const reply = marker('The two-person one');
  await visitor.widget.getByRole('textbox', { name: 'Message' }).fill(reply);
  await visitor.widget.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(visitor.widget.locator('li.msg.mine').filter({ hasText: reply }).locator('.meta')).toContainText(/Sent|Delivered|Seen/);
  await expect(visitor.widget.locator('li.msg.theirs').filter({ hasText: text })).toHaveCount(1); // the opening, once

  await desk.openConversation(reply);
  await expect(desk.history.first()).toContainText(text);
  await expect(desk.history.first().getByRole('link', { name: 'Broadcast: Tent advice' })).toBeVisible();

  expect((await desk.page.request.post(`${deskURL}/api/v1/broadcasts/${id}/end`)).ok()).toBe(true);
  await visitor.ctx.close();
  await desk.ctx.close();
});
