// Accessibility (issue 22): axe-core on every desk screen and on the widget
// (closed, open, and open on a phone), failing on any critical or serious
// WCAG 2.0/2.1/2.2 A or AA violation; and the desk's keyboard path, from a
// fresh load to a sent reply.
import { expect, type Page, test } from '@playwright/test';
import { axe } from './axe';
import { deskURL, marker, openDesk, openVisitor, ownerEmail, ownerPassword } from './fixtures';

/**
 * Tabs through a freshly loaded page from its top, up to max stops, and returns each
 * focused element that shows no focus ring: a 2 px or wider outline on the
 * element or, for a box like the composer whose input has none, on an
 * ancestor (its :focus-within ring). It checks that it got past the top bar.
 */
async function withoutRing(page: Page, max = 80): Promise<string[]> {
  const missing: string[] = [];
  let i = 0;
  for (; i < max; i++) {
    await page.keyboard.press('Tab');
    const seen = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const ring = (e: Element) => {
        const cs = getComputedStyle(e);
        return cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
      };
      let shown = false;
      for (let e: Element | null = el; e && !shown; e = e.parentElement) shown = ring(e);
      const name = `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).trim().replace(/\s+/g, '.')}` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`;
      return { shown, name };
    });
    if (!seen) break; // past the last control
    if (!seen.shown && !missing.includes(seen.name)) missing.push(seen.name);
  }
  expect(i, 'focus stops walked').toBeGreaterThan(15);
  return missing;
}

/**
 * withoutRing for the widget: tabs from its message box through its
 * controls (inside its shadow root) and returns those without a 2 px
 * ring, on themselves or a box around them.
 */
async function widgetWithoutRing(page: Page): Promise<string[]> {
  await page.locator('livedesk-widget').getByRole('textbox').first().focus();
  const missing: string[] = [];
  let inside = 0;
  for (let i = 0; i < 20; i++) {
    const seen = await page.evaluate(() => {
      const host = document.querySelector('livedesk-widget');
      const el = (host?.shadowRoot?.activeElement ?? null) as HTMLElement | null;
      if (!el || document.activeElement !== host) return null;
      // An outline, or (the composer's) an inset 2 px box shadow around it.
      const ring = (e: Element) => {
        const cs = getComputedStyle(e);
        return (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || /inset/.test(cs.boxShadow) && /\b0px 0px 0px [2-9]px/.test(cs.boxShadow);
      };
      let shown = false;
      for (let e: Element | null = el; e && !shown; e = e.parentElement) shown = ring(e);
      return { shown, name: `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"` };
    });
    if (!seen) break; // focus left the widget
    inside++;
    if (!seen.shown && !missing.includes(seen.name)) missing.push(seen.name);
    await page.keyboard.press('Tab');
  }
  expect(inside, 'widget controls walked').toBeGreaterThan(2);
  return missing;
}

/** What the keyboard focuses, as a short description (tag, text, classes). */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 60)}`;
  });
}

test('the sign-in page, and focus after signing in', async ({ browser }) => {
  // A chat waits, so the queue has something to focus.
  const visitor = await openVisitor(browser);
  await visitor.launcher.click();
  const text = `Waiting ${marker('a11y-sign-in')}`;
  await visitor.input.fill(text);
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: text }).locator('.meta')).toContainText(/Sent|Seen/);

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(deskURL);
  await expect(page.getByRole('heading', { name: 'Sign in to your workspace' })).toBeVisible();
  await axe(page, 'the sign-in page');

  // By keyboard: the e-mail box has focus, Tab to the password, Enter signs in.
  await expect(page.getByLabel('E-mail')).toBeFocused();
  await page.keyboard.type(ownerEmail);
  await page.keyboard.press('Tab');
  await page.keyboard.type(ownerPassword);
  await page.keyboard.press('Enter');
  await expect(page.locator('.health')).toHaveText('Connected');
  // Focus is on the queue's first chat, the first useful place, not on the page's body.
  await expect(page.locator('#queue .conv-row').first()).toBeFocused();
  await ctx.close();
  await visitor.ctx.close();
});

test('the live desk: a conversation, its dialogs and the closed tab', async ({ browser }) => {
  test.setTimeout(150_000);
  const desk = await openDesk(browser);
  const { page } = desk;
  await axe(page, 'the desk, no conversation open');

  const visitor = await openVisitor(browser);
  const text = marker('a11y-desk');
  await visitor.launcher.click();
  await visitor.input.fill(`Hello ${text}`);
  await visitor.input.press('Enter');
  await desk.openConversation(text);
  await expect(desk.history.filter({ hasText: text })).toHaveCount(1);
  await desk.composer.fill('Hello, how can I help?');
  await desk.composer.press('Enter');
  await expect(visitor.theirs).toHaveCount(1);
  await axe(page, 'the desk with a conversation open');

  await page.getByRole('button', { name: 'Internal note' }).click();
  const note = page.getByRole('combobox', { name: 'Internal note' });
  await note.fill('a note with `code` and **bold**');
  await note.press('Enter');
  await expect(page.locator('.history .note.comment', { hasText: 'a note with' })).toBeVisible();
  await note.fill('@');
  await expect(page.getByRole('listbox', { name: 'Mention an agent' })).toBeVisible();
  await axe(page, 'the note composer with its mention list, and a note');
  await note.fill('');
  await page.getByRole('button', { name: 'Reply', exact: true }).click();

  await page.getByRole('button', { name: 'Context' }).click();
  await expect(page.locator('.details')).toContainText('Context data');
  await axe(page, 'the desk, context tab');
  await page.getByRole('button', { name: 'Context' }).click();

  await page.getByRole('button', { name: 'Snooze ▾' }).click();
  await expect(page.getByRole('menu', { name: 'Snooze until' })).toBeVisible();
  await axe(page, 'the snooze menu');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);

  await page.getByRole('button', { name: 'Transfer' }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer chat' });
  await expect(dialog).toBeVisible();
  await axe(page, 'the transfer dialog');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  await page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('heading', { name: 'Wrap-up' })).toBeVisible();
  await axe(page, 'the wrap-up form');
  await page.getByRole('button', { name: 'Skip' }).click();

  await page.getByRole('tab', { name: 'Closed' }).click();
  await expect(page.locator('.conv-row', { hasText: 'Closed by you' }).first()).toBeVisible();
  await axe(page, 'the closed tab');

  await visitor.ctx.close();
  await desk.ctx.close();
});

test('the settings pages', async ({ browser }) => {
  test.setTimeout(120_000);
  const desk = await openDesk(browser);
  const { page } = desk;
  for (const p of ['profile', 'preferences', 'sites', 'team', 'departments', 'mail', 'quick', 'keys', 'webhooks', 'whatsapp']) {
    await page.goto(`${deskURL}/#/admin/${p}`);
    await expect(page.locator('.admin-page h2')).toBeVisible();
    if (p === 'preferences') await expect(page.locator('.prefs-form')).toBeVisible();
    await expect(page.getByText('Loading…')).toHaveCount(0);
    await axe(page, `settings: ${p}`);
  }
  await page.goto(`${deskURL}/#/admin/sites`);
  await page.getByRole('list', { name: 'Sites' }).getByRole('link').first().click();
  await expect(page.locator('.admin-page h3').first()).toBeVisible();
  await expect(page.getByText('Loading…')).toHaveCount(0);
  await axe(page, "settings: a site's page");
  for (const q of ['unassigned', 'assigned', 'closed']) {
    await page.goto(`${deskURL}/#/tickets/${q}`);
    await expect(page.locator('.tickets h1')).toBeVisible();
    await expect(page.getByText('Loading tickets…')).toHaveCount(0);
    await axe(page, `tickets: ${q}`);
  }
  const made = await page.request.post(`${deskURL}/api/v1/contacts`, {
    data: { name: 'Alex A11y', email: 'alex@a11y.example', fields: { plan: { type: 'text', value: 'pro' } } },
  });
  expect(made.status()).toBe(201);
  const contact = (await made.json()) as { id: string };
  await page.goto(`${deskURL}/#/contacts`);
  await expect(page.getByRole('link', { name: 'Alex A11y' }).first()).toBeVisible();
  await axe(page, 'contacts');
  await page.goto(`${deskURL}/#/contacts/${contact.id}`);
  await expect(page.getByRole('form', { name: 'Profile' })).toBeVisible();
  await axe(page, "a contact's page");
  await page.goto(`${deskURL}/#/boards`);
  await expect(page.getByRole('region', { name: /^New / })).toBeVisible();
  await axe(page, 'the board');
  await page.goto(`${deskURL}/#/broadcasts`);
  await expect(page.locator('.broadcasts h1')).toBeVisible();
  await axe(page, 'broadcasts');
  await page.goto(`${deskURL}/#/broadcasts/new`);
  await expect(page.getByLabel('Name')).toBeVisible();
  await axe(page, 'a new broadcast');
  for (const f of ['all', 'unread', 'archived']) {
    await page.goto(`${deskURL}/#/inbox/${f}`);
    await expect(page.locator('.inbox h1')).toBeVisible();
    await axe(page, `inbox: ${f}`);
  }
  await page.goto(`${deskURL}/#/analytics`);
  await expect(page.locator('.analytics h1')).toBeVisible();
  await expect(page.getByText('Loading…')).toHaveCount(0);
  await axe(page, 'analytics');
  // An existing broadcast's editor, and a webhook's delivery log.
  const cast = await page.request.post(`${deskURL}/api/v1/broadcasts`, {
    data: { name: 'A11y editor', kind: 'banner', placement: 'top', text: 'Summer sale', frequency: 'page_view' },
  });
  expect(cast.status()).toBe(201);
  await page.goto(`${deskURL}/#/broadcasts/${((await cast.json()) as { id: string }).id}`);
  await expect(page.getByLabel('Name')).toHaveValue('A11y editor');
  await axe(page, "a broadcast's editor");
  const hook = await page.request.post(`${deskURL}/api/v1/webhooks`, {
    data: { url: 'http://127.0.0.1:9/a11y', description: 'a11y', events: ['contact.updated'] },
  });
  expect(hook.status()).toBe(201);
  const hookID = ((await hook.json()) as { webhook: { id: string } }).webhook.id;
  await page.goto(`${deskURL}/#/admin/webhooks/${hookID}`);
  await expect(page.getByText('No deliveries yet.')).toBeVisible();
  await axe(page, "a webhook's delivery log");
  expect((await page.request.delete(`${deskURL}/api/v1/webhooks/${hookID}`)).status()).toBe(204);
  // The live desk's other tabs.
  await page.goto(`${deskURL}/#/`);
  for (const tab of ['Pending', 'Snoozed']) {
    await page.getByRole('tab', { name: new RegExp(tab) }).click();
    await axe(page, `the desk, ${tab} tab`);
  }
  await desk.ctx.close();
});

test('broadcasts in the widget: a banner with a button, and a chat message beside the launcher', async ({ browser }) => {
  const desk = await openDesk(browser);
  const made: string[] = [];
  for (const data of [
    { name: 'A11y banner', kind: 'banner', placement: 'top', text: 'Free repairs for life', button: { label: 'Read more', url: 'https://example.com/' }, frequency: 'page_view' },
    { name: 'A11y message', kind: 'message', text: 'Can we help you pick a tent?', frequency: 'page_view' },
  ]) {
    const res = await desk.page.request.post(`${deskURL}/api/v1/broadcasts`, { data });
    expect(res.status()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect((await desk.page.request.post(`${deskURL}/api/v1/broadcasts/${id}/activate`)).ok()).toBe(true);
    made.push(id);
  }
  const visitor = await openVisitor(browser);
  await expect(visitor.widget.locator('.cast-bar.top')).toContainText('Free repairs for life');
  await expect(visitor.widget.locator('.teaser')).toContainText('Can we help you pick a tent?');
  await axe(visitor.page, 'the demo page with a banner and a chat message', 'livedesk-widget');
  for (const id of made) expect((await desk.page.request.post(`${deskURL}/api/v1/broadcasts/${id}/end`)).ok()).toBe(true);
  await visitor.ctx.close();
  await desk.ctx.close();
});

test('the widget closed, open, and open on a phone', async ({ browser }) => {
  const desktop = await openVisitor(browser);
  await expect(desktop.launcher).toBeVisible();
  await axe(desktop.page, 'the demo page, widget closed', 'livedesk-widget');
  await desktop.launcher.click();
  await expect(desktop.input).toBeVisible();
  await axe(desktop.page, 'the demo page, widget open', 'livedesk-widget');

  // With a conversation: the visitor's message and its delivery state, the
  // agent's pick-up line and answer; the answer is announced politely.
  const text = marker('a11y-widget');
  await desktop.input.fill(`Hello ${text}`);
  await desktop.input.press('Enter');
  const desk = await openDesk(browser);
  await desk.openConversation(text);
  await desk.composer.fill(`Answer to ${text}`);
  await desk.composer.press('Enter');
  await expect(desktop.theirs.filter({ hasText: `Answer to ${text}` })).toHaveCount(1);
  await expect(desktop.page.locator('livedesk-widget p.sr-only[aria-live=polite]')).toContainText(`Answer to ${text}`);
  await axe(desktop.page, 'the demo page, widget open with a conversation', 'livedesk-widget');

  // Every control of the open widget shows a focus ring.
  expect(await widgetWithoutRing(desktop.page), 'widget controls without a focus ring').toEqual([]);
  await desk.ctx.close();
  await desktop.ctx.close();

  const phone = await openVisitor(browser, { width: 360, height: 640 });
  await expect(phone.launcher).toBeVisible();
  await axe(phone.page, 'the demo page on a phone, widget closed', 'livedesk-widget');
  await phone.launcher.click();
  await expect(phone.input).toBeVisible();
  await axe(phone.page, 'the demo page on a phone, widget open', 'livedesk-widget');
  await phone.ctx.close();
});

test("the desk's keyboard path: skip link, queue, open a chat, reply", async ({ browser }) => {
  const desk = await openDesk(browser);
  const { page } = desk;
  await page.getByRole('tab', { name: /Live/ }).click();
  await page.reload();
  await expect(page.locator('.health')).toHaveText('Connected');

  // A new chat is announced politely (the notifications log).
  const visitor = await openVisitor(browser);
  const text = marker('a11y-keys');
  await visitor.launcher.click();
  await visitor.input.fill(`Hi ${text}`);
  await visitor.input.press('Enter');
  await expect(page.getByRole('log', { name: 'Notifications' })).toContainText('New chat');
  const row = page.locator('.conv-row', { hasText: text });
  await expect(row).toBeVisible();

  // The first Tab reaches the skip link; it lands in the queue.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to conversations' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  await expect.poll(() => page.evaluate(() => Boolean(document.activeElement?.closest('#queue')))).toBe(true);

  // Tab (a few times at most) to the chat; Enter opens it with focus in the message box.
  for (let i = 0; i < 12 && !(await row.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(row, `focus is on ${await focused(page)}`).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(desk.composer).toBeFocused();
  await page.keyboard.type('Typed and sent by keyboard');
  await page.keyboard.press('Enter');
  await expect(visitor.theirs.filter({ hasText: 'Typed and sent by keyboard' })).toHaveCount(1);

  // A visitor message in the open conversation is announced politely.
  await visitor.input.fill(`Thanks ${text}`);
  await visitor.input.press('Enter');
  await expect(page.locator('.pane [aria-live=polite]', { hasText: `Thanks ${text}` })).toHaveCount(1);

  // Every control the keyboard reaches shows a focus ring, here (the chat
  // stays open across a reload) and in the settings.
  await page.reload();
  await expect(page.locator('.health')).toHaveText('Connected');
  await expect(desk.composer).toBeVisible();
  expect(await withoutRing(page), 'controls without a focus ring on the desk').toEqual([]);
  await page.goto(`${deskURL}/#/admin/sites`);
  const site = await page.getByRole('list', { name: 'Sites' }).getByRole('link').first().getAttribute('href');
  await page.goto(`${deskURL}/${site}`);
  await page.reload();
  await expect(page.locator('.admin-page h3').first()).toBeVisible();
  expect(await withoutRing(page, 120), "controls without a focus ring on a site's settings").toEqual([]);

  await visitor.ctx.close();
  await desk.ctx.close();
});
