import { expect, test } from '@playwright/test';
import { demoURL, marker, openDesk, openVisitor, widgetHelpers } from './fixtures';

// The widget on a customer's page (issue 22): it waits for the page, keeps
// focus to itself where it covers the page, and loses nothing meanwhile.

/** Which element of the page has focus: the widget's host when focus is inside its shadow root. */
const focused = (page: import('@playwright/test').Page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    if (a?.tagName === 'LIVEDESK-WIDGET') return `widget:${a.shadowRoot?.activeElement?.getAttribute('aria-label') ?? a.shadowRoot?.activeElement?.tagName}`;
    return a?.tagName ?? '';
  });

test('on a phone the open widget is modal: Tab stays in it, Escape closes it, focus returns to the launcher', async ({ browser }) => {
  const visitor = await openVisitor(browser, { width: 360, height: 640 });
  await visitor.launcher.focus();
  await visitor.page.keyboard.press('Enter');
  await expect(visitor.input).toBeFocused();
  const dialog = visitor.widget.getByRole('dialog', { name: /Chat with/ });
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((d) => d.matches(':modal'))).toBe(true);
  // Round the dialog twice: the page's links under it are never reached.
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    await visitor.page.keyboard.press('Tab');
    const f = await focused(visitor.page);
    seen.add(f);
  }
  for (const f of seen) expect(f, `focus left the dialog for ${f}`).toMatch(/^widget:|^BODY$/);
  expect([...seen].some((f) => f.startsWith('widget:'))).toBe(true);
  await visitor.page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(visitor.launcher).toBeFocused();

  // On a large screen the panel sits beside the page, which stays usable.
  await visitor.page.setViewportSize({ width: 1280, height: 800 });
  await visitor.launcher.click();
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((d) => d.matches(':modal'))).toBe(false);
  await visitor.ctx.close();
});

test('the widget starts after the page has loaded, and what an agent sent meanwhile is there', async ({ browser }) => {
  // A visitor with a chat comes back to the page; the widget's bundle is
  // held back until the agent has written.
  const visitor = await openVisitor(browser);
  const text = marker('Back later');
  await visitor.launcher.click();
  await visitor.input.fill(text);
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: text })).toHaveCount(1);
  await visitor.widget.getByRole('button', { name: 'Close chat' }).first().click();

  const bundle = holdBundle(visitor.page);
  await visitor.page.reload({ waitUntil: 'commit' });
  // The page had loaded when the widget asked for its bundle.
  expect(await bundle.askedWhen).toBe('complete');
  await expect(visitor.page.locator('livedesk-widget')).toHaveCount(0);

  const desk = await openDesk(browser);
  await desk.openConversation(text);
  const reply = marker('Here is your answer');
  await desk.composer.fill(reply);
  await desk.composer.press('Enter');
  await expect(desk.history.filter({ hasText: reply })).toHaveCount(1);

  bundle.release();
  await expect(visitor.launcher).toHaveAttribute('aria-label', /\d unread/); // the reply, and the pick-up line when it took the chat
  await visitor.launcher.click();
  await expect(visitor.theirs.filter({ hasText: reply })).toHaveCount(1);
  await visitor.ctx.close();
  await desk.ctx.close();
});

test('a page that opens the widget itself gets it before its own load event', async ({ browser }) => {
  const visitor = await openVisitor(browser);
  await expect(visitor.launcher).toBeVisible();
  // The page queues LiveDesk.open() before the loader runs.
  await visitor.page.addInitScript(() => {
    (window as unknown as { LiveDesk: object }).LiveDesk = { q: [['open', []]] };
  });
  const bundle = holdBundle(visitor.page);
  await visitor.page.reload({ waitUntil: 'commit' });
  // Asked for while the page was still loading (an async script that is
  // held back holds the page's load event too).
  expect(await bundle.askedWhen).not.toBe('complete');
  bundle.release();
  await expect(visitor.widget.getByRole('dialog', { name: /Chat with/ })).toBeVisible();
  await visitor.ctx.close();
});

/**
 * Holds the widget's bundle back until release(); askedWhen is the page's
 * document.readyState when the widget asked for it.
 */
function holdBundle(page: import('@playwright/test').Page) {
  let release: () => void = () => undefined;
  const held = new Promise<void>((ok) => (release = ok));
  let asked: (state: string) => void = () => undefined;
  const askedWhen = new Promise<string>((ok) => (asked = ok));
  void page.route(/\/assets\/widget-[\w-]+\.js$/, async (route) => {
    asked(await route.request().frame().evaluate(() => document.readyState));
    await held;
    await route.continue();
  });
  return { askedWhen, release: () => release() };
}

test("the widget speaks the visitor's language when the site offers it", async ({ browser }) => {
  const desk = await openDesk(browser);
  const sites = (await (await desk.ctx.request.get('/api/v1/sites')).json()) as { items: { id: string; name: string }[] };
  const demo = sites.items.find((s) => s.name === 'Demo site');
  expect(demo).toBeDefined();
  const setLanguages = async (languages: string[]) => {
    const res = await desk.ctx.request.patch(`/api/v1/sites/${demo?.id}`, { data: { look: { languages } } });
    expect(res.status()).toBe(200);
  };
  await setLanguages(['en', 'de']);
  try {
    const ctx = await browser.newContext({ locale: 'de-AT' });
    const page = await ctx.newPage();
    await page.goto(demoURL);
    const w = widgetHelpers(page.locator('livedesk-widget'));
    await expect(w.launcher).toHaveAttribute('aria-label', 'Chat öffnen');
    await w.launcher.click();
    await expect(page.locator('livedesk-widget').getByRole('textbox', { name: 'Nachricht' })).toHaveAttribute('placeholder', 'Nachricht schreiben…');
    await ctx.close();

    // The owner rewords a German text: German visitors see the new words.
    const reworded = await desk.ctx.request.patch(`/api/v1/sites/${demo?.id}`, {
      data: { look: { texts: { de: { placeholder: 'Ihre Frage an uns…' } } } },
    });
    expect(reworded.status()).toBe(200);
    const again = await browser.newContext({ locale: 'de-DE' });
    const againPage = await again.newPage();
    await againPage.goto(demoURL);
    await widgetHelpers(againPage.locator('livedesk-widget')).launcher.click();
    await expect(againPage.locator('livedesk-widget').getByRole('textbox', { name: 'Nachricht' })).toHaveAttribute('placeholder', 'Ihre Frage an uns…');

    // The server's lines read in German too: an agent answering joins.
    const text = marker('Hallo');
    const input = againPage.locator('livedesk-widget').getByRole('textbox', { name: 'Nachricht' });
    await input.fill(text);
    await input.press('Enter');
    await desk.openConversation(text);
    await desk.composer.fill('Guten Tag!');
    await desk.composer.press('Enter');
    await expect(againPage.locator('livedesk-widget li.system').first()).toContainText('ist dem Gespräch beigetreten');
    await again.close();

    // A language the site does not offer: English.
    const fr = await browser.newContext({ locale: 'fr-FR' });
    const frPage = await fr.newPage();
    await frPage.goto(demoURL);
    await expect(widgetHelpers(frPage.locator('livedesk-widget')).launcher).toHaveAttribute('aria-label', 'Open chat');
    await fr.close();
  } finally {
    await desk.ctx.request.patch(`/api/v1/sites/${demo?.id}`, { data: { look: { languages: ['en'], texts: {} } } });
    await desk.ctx.close();
  }
});

test('who the visitor is follows her to the next page when the widget started but had not reached the server', async ({ browser }) => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  // The widget's socket cannot open on the first page.
  let offline = true;
  await page.routeWebSocket(/\/widget\/v1\/ws/, (ws) => {
    if (offline) ws.close();
    else ws.connectToServer();
  });
  await page.goto(demoURL);
  const { launcher, input, messages } = widgetHelpers(page.locator('livedesk-widget'));
  await expect(launcher).toBeVisible(); // started: identify goes to the widget, not the loader's queue
  const name = marker('Nora');
  await page.evaluate((n) => (window as unknown as { LiveDesk: { identify: (x: object) => void } }).LiveDesk.identify({ name: n }), name);
  offline = false;
  await page.getByRole('link', { name: 'Simple pricing' }).click();
  const text = marker('Which size fits me');
  await launcher.click();
  await input.fill(text);
  await input.press('Enter');
  await expect(messages.filter({ hasText: text }).locator('.meta')).toContainText(/Sent|Seen/);
  const desk = await openDesk(browser);
  await expect(desk.page.locator('.conv-row', { hasText: text })).toContainText(name);
  await ctx.close();
  await desk.ctx.close();
});
