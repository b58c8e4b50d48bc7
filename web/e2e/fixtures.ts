import { type Browser, type BrowserContext, expect, type Locator, type Page } from '@playwright/test';

export const port = Number(process.env.LIVEDESK_E2E_PORT);
/** The desk's origin. */
export const deskURL = `http://127.0.0.1:${port}`;
/** The demo page, on another origin than the desk and the widget's server. */
export const demoURL = `http://localhost:${port}/demo`;
export const ownerEmail = 'owner@livedesk.local';
export const ownerPassword = process.env.LIVEDESK_E2E_PASSWORD ?? '';

/**
 * A page that records every dialog (none may ever open: alert() would mean
 * script injection) and every Content-Security-Policy violation.
 */
export async function watchedPage(ctx: BrowserContext): Promise<{ page: Page; dialogs: string[]; cspViolations: string[] }> {
  const page = await ctx.newPage();
  const dialogs: string[] = [];
  const cspViolations: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { page, dialogs, cspViolations };
}

/** A visitor on the demo page, with the widget's shadow root at hand. */
export async function openVisitor(browser: Browser, viewport = { width: 1280, height: 800 }) {
  const ctx = await browser.newContext({ viewport });
  const { page, dialogs, cspViolations } = await watchedPage(ctx);
  await page.goto(demoURL);
  const widget = page.locator('livedesk-widget');
  return { ctx, page, dialogs, cspViolations, widget, ...widgetHelpers(widget) };
}

export function widgetHelpers(widget: Locator) {
  return {
    launcher: widget.locator('button.launcher'),
    input: widget.getByRole('textbox', { name: 'Message' }),
    messages: widget.locator('li.msg'),
    theirs: widget.locator('li.msg.theirs'),
    banner: widget.locator('.banner'),
    typing: widget.locator('.typing'),
  };
}

/** An agent signed in to the desk (through the API: the sign-in page has its own test). */
export async function openDesk(browser: Browser, viewport = { width: 1280, height: 800 }) {
  const ctx = await browser.newContext({ viewport, baseURL: deskURL });
  const res = await ctx.request.post('/api/v1/auth/login', { data: { email: ownerEmail, password: ownerPassword } });
  expect(res.ok()).toBe(true);
  const { page, dialogs, cspViolations } = await watchedPage(ctx);
  await page.goto('/');
  await expect(page.locator('.health')).toHaveText('Connected');
  return { ctx, page, dialogs, cspViolations, ...deskHelpers(page) };
}

export function deskHelpers(page: Page) {
  return {
    history: page.locator('.history li.bubble-row'),
    composer: page.locator('.pane .composer textarea'),
    typingLine: page.locator('.typing-line'),
    /** Finds a conversation by text in the Live queue and opens it. */
    async openConversation(text: string) {
      await page.getByRole('tab', { name: /Live/ }).click();
      await page.getByRole('searchbox', { name: 'Search' }).fill(text);
      await page.locator('.conv-row').first().click();
      await page.getByRole('searchbox', { name: 'Search' }).fill('');
    },
  };
}

/** A short unique marker, so each test finds its own conversation. */
export function marker(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}
