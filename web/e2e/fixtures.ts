import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, expect, type Locator, type Page, type TestInfo } from '@playwright/test';

export const port = Number(process.env.LIVEDESK_E2E_PORT);
/** The desk's origin. */
export const deskURL = `http://127.0.0.1:${port}`;
/** The new team's server (admin.spec.ts): a first start of its own, agents away 2 s after their last desk closes. */
export const teamURL = `http://127.0.0.1:${process.env.LIVEDESK_E2E_TEAM_PORT}`;
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

type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;
const sessions = new Map<string, StorageState>();

/**
 * An agent signed in to the desk (through the API: the sign-in page has its
 * own test); the owner unless told, on the shared server unless told.
 */
export async function openDesk(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
  who = { email: ownerEmail, password: ownerPassword },
  base = deskURL,
) {
  // Sign in once per agent and run: sign-ins are rate-limited per e-mail
  // (5, then one every 12 s), and every spec opens desks.
  const key = `${base} ${who.email}`;
  const signedIn = sessions.get(key);
  const ctx = await browser.newContext({ viewport, baseURL: base, storageState: signedIn });
  if (!signedIn) {
    const res = await ctx.request.post('/api/v1/auth/login', { data: { email: who.email, password: who.password } });
    expect(res.ok()).toBe(true);
    sessions.set(key, await ctx.storageState());
  }
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
      await page.getByRole('searchbox', { name: 'Search conversations' }).fill(text);
      await page.locator('.conv-row').first().click();
      await page.getByRole('searchbox', { name: 'Search conversations' }).fill('');
    },
  };
}

/** A short unique marker, so each test finds its own conversation. */
export function marker(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Saves a screenshot as a test artifact; with LIVEDESK_DOCS_SCREENSHOTS=1
 * also as the curated copy in docs/screenshots.
 */
export async function shot(page: Page, name: string, info: TestInfo): Promise<void> {
  const path = info.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await info.attach(name, { path, contentType: 'image/png' });
  if (process.env.LIVEDESK_DOCS_SCREENSHOTS === '1') {
    const docs = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
    mkdirSync(docs, { recursive: true });
    copyFileSync(path, join(docs, `${name}.png`));
  }
}
