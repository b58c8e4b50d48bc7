import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
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

/** A visitor who wrote text in the widget, and a desk that picked the chat up. */
export async function pickedUpChat(browser: Browser, text: string) {
  const visitor = await openVisitor(browser);
  await visitor.launcher.click();
  await visitor.input.fill(text);
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: text }).locator('.meta')).toContainText(/Sent|Seen/);
  const desk = await openDesk(browser);
  await desk.openConversation(text);
  await desk.page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Pick up' }).click();
  return { visitor, desk };
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

/** A w×h PNG with a diagonal gradient, built here (no image files in the repository). */
export function pngImage(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * (w * 3 + 1) + 1 + x * 3;
      rows.set([48 + (x * 160) / w, 86 + (y * 120) / h, 211], i);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A one-page PDF (its content is not checked beyond its header). */
export const pdfFile = Buffer.from('%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n');
