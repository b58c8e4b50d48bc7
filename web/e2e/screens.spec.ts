import { expect, type Page, test } from '@playwright/test';
import { deskURL, openDesk, openVisitor, shot } from './fixtures';

async function noHorizontalScroll(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
}

test('sign-in page', async ({ browser }, info) => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(deskURL);
  await expect(page.getByRole('heading', { name: 'Sign in to your workspace' })).toBeVisible();
  await page.getByLabel('E-mail').fill('owner@livedesk.local');
  await shot(page, 'desk-sign-in', info);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('That e-mail and password do not match.');
  await page.getByLabel('Password').fill(process.env.LIVEDESK_E2E_PASSWORD ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.health')).toHaveText('Connected');
  await ctx.close();
});

test('the desk and the widget, screen by screen', async ({ browser }, info) => {
  test.setTimeout(240_000); // five browser contexts on a small, busy machine
  // A visitor who says who they are and chats. She leaves the page before
  // the widget has started: what the page said follows her to the next.
  const maya = await openVisitor(browser);
  await maya.page.evaluate(() =>
    (window as unknown as { LiveDesk: { identify: (x: object) => void } }).LiveDesk.identify({
      name: 'Maya Lindqvist',
      email: 'maya@example.com',
    }),
  );
  await maya.page.getByRole('link', { name: 'Simple pricing' }).click();
  const question = 'Hi! Is the Cirque 40 pack carry-on size?';
  await maya.launcher.click();
  await maya.input.fill(question);
  await maya.input.press('Enter');
  await expect(maya.messages.filter({ hasText: question }).locator('.meta')).toContainText(/Sent|Seen/);

  const desk = await openDesk(browser);
  await desk.page.getByRole('radio', { name: 'Online' }).click();
  await expect(desk.page.getByRole('radio', { name: 'Online' })).toHaveAttribute('aria-checked', 'true');
  await desk.openConversation(question);
  await desk.composer.fill('Hi Maya! Yes, it fits most airlines’ carry-on limits (55 × 35 × 23 cm).');
  await desk.composer.press('Enter');
  await expect(maya.theirs).toHaveCount(1);
  await maya.input.fill('Perfect, thank you! Does it come in green?');
  await maya.input.press('Enter');
  await expect(desk.history).toHaveCount(3);

  // A second visitor opens a chat (green, new) and a third only browses.
  const sam = await openVisitor(browser);
  await sam.launcher.click();
  await sam.input.fill('Do you price-match?');
  await sam.input.press('Enter');
  const samRow = desk.page.locator('.conv-row', { hasText: 'price-match' });
  await expect(samRow).toHaveClass(/\bnew\b/);
  const browsing = await openVisitor(browser);
  await browsing.page.getByRole('link', { name: 'Talk to a human' }).click();

  // Seen once, then new activity while another chat is open: a blue dot, a toast, the title count.
  await samRow.click();
  await expect(desk.history.filter({ hasText: 'Do you price-match?' })).toHaveCount(1);
  await expect(samRow).not.toHaveClass(/\bnew\b/);
  await desk.page.locator('.conv-row', { hasText: 'Maya Lindqvist' }).click();
  await sam.input.fill('Also, do you ship to Norway?');
  await sam.input.press('Enter');
  const norway = desk.page.locator('.conv-row', { hasText: 'ship to Norway' });
  await expect(norway.getByRole('img', { name: 'New activity' })).toBeVisible();
  await expect(desk.page.locator('.toast', { hasText: 'ship to Norway' })).toBeVisible();
  await expect(desk.page).toHaveTitle(/^\(\d+\) Live Desk$/);

  await desk.composer.pressSequentially('It does: Moss and Fern');
  await expect(maya.typing).toContainText('Owner is typing');
  await expect(desk.page.locator('.pane-head')).toContainText('Maya Lindqvist');
  await shot(maya.page, 'widget-open', info);
  await shot(desk.page, 'desk-conversation', info);
  await noHorizontalScroll(desk.page);

  // The Context button shows what the site sent (demo.js: addContext).
  await desk.page.getByRole('button', { name: 'Context' }).click();
  await expect(desk.page.locator('.details')).toContainText('cart_value');
  await shot(desk.page, 'desk-context', info);
  await desk.page.getByRole('button', { name: 'Context' }).click();

  // The visitors online, beside the queues: the dock folds to a bar and
  // stays folded across a reload.
  const dock = desk.page.getByRole('region', { name: /Visitors online/ });
  await expect(dock.locator('.visitor-row')).not.toHaveCount(0);
  await expect(desk.page.locator('.visitor-row', { hasText: 'Maya Lindqvist' })).toContainText('Chatting');
  await expect(desk.page.locator('.visitor-row', { hasText: 'Browsing' }).first()).toBeVisible();
  await shot(desk.page, 'desk-visitors', info);
  await dock.getByRole('button', { name: /Visitors online/ }).click();
  await expect(dock.locator('.visitor-row')).toHaveCount(0);
  await desk.page.reload();
  await expect(dock.getByRole('button', { name: /Visitors online/ })).toHaveAttribute('aria-expanded', 'false');
  await dock.getByRole('button', { name: /Visitors online/ }).click();
  await expect(dock.locator('.visitor-row')).not.toHaveCount(0);

  // A smaller laptop: nothing overflows.
  await desk.page.setViewportSize({ width: 1024, height: 700 });
  await noHorizontalScroll(desk.page);
  await shot(desk.page, 'desk-1024', info);

  // A phone: the panel takes the screen.
  const phone = await openVisitor(browser, { width: 360, height: 640 });
  await phone.launcher.click();
  await phone.input.fill('Hello from my phone');
  await phone.input.press('Enter');
  await expect(phone.messages.filter({ hasText: 'Hello from my phone' }).locator('.meta')).toContainText(/Sent|Delivered|Seen/); // stored, whatever a desk did since
  const panel = await phone.widget.locator('.panel').boundingBox();
  expect(panel?.width).toBe(360);
  await noHorizontalScroll(phone.page);
  await shot(phone.page, 'widget-phone', info);

  // The launcher with an unread badge.
  await maya.widget.getByRole('button', { name: 'Close chat' }).first().click();
  await desk.composer.fill('It does: Moss and Fern'); // the draft did not outlive the reload above
  await desk.composer.press('Enter');
  await expect(maya.widget.locator('.badge')).toHaveText('1');
  await shot(maya.page, 'widget-unread', info);

  // The ticket queues and the mail server's settings, at 1024 too.
  await desk.page.goto(`${deskURL}/#/tickets/unassigned`);
  await expect(desk.page.getByText('Loading tickets…')).toHaveCount(0);
  await noHorizontalScroll(desk.page);
  await shot(desk.page, 'desk-tickets', info);
  await desk.page.goto(`${deskURL}/#/admin/mail`);
  await expect(desk.page.getByRole('heading', { name: 'E-mail' })).toBeVisible();
  await noHorizontalScroll(desk.page);
  await shot(desk.page, 'desk-settings-mail', info);

  for (const c of [maya.ctx, sam.ctx, browsing.ctx, phone.ctx, desk.ctx]) await c.close();
});
