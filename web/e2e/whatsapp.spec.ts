import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { expect, test } from '@playwright/test';
import { deskURL, marker, openDesk, shot } from './fixtures';
import { axe } from './axe';

// A fake WhatsApp Cloud API on the port the server is told to use
// (playwright.config.ts, LIVEDESK_WHATSAPP_API_URL): it lists one approved
// template and takes messages, recording them. The test posts signed
// webhooks to the server as WhatsApp would. Nothing reaches the network.
const cloudPort = Number(process.env.LIVEDESK_E2E_WHATSAPP_PORT);
const token = 'EAAG-e2e-access-token-0123456789';
const appSecret = 'e2e-app-secret-0123456789abcdef';
const sent: Array<Record<string, unknown>> = [];
let cloud: Server;

function serve(req: IncomingMessage, res: ServerResponse) {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.setHeader('Content-Type', 'application/json');
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.statusCode = 401;
      res.end('{"error":{"message":"Invalid OAuth access token","type":"OAuthException","code":190}}');
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path.endsWith('/message_templates')) {
      res.end(
        JSON.stringify({
          data: [
            {
              name: 'order_update',
              parameter_format: 'POSITIONAL',
              language: 'en_US',
              status: 'APPROVED',
              category: 'UTILITY',
              id: '7001',
              components: [
                { type: 'BODY', text: 'Hello {{1}}, your order {{2}} has shipped.', example: { body_text: [['Maya', '#1042']] } },
              ],
            },
          ],
          paging: { cursors: { before: 'a', after: 'b' } },
        }),
      );
      return;
    }
    if (req.method === 'GET' && /^\/v[\d.]+\/\d+$/.test(path)) {
      // The number, asked for when it is connected: the token reaches it.
      res.end(JSON.stringify({ id: path.split('/').pop(), display_phone_number: '+1 555 0100' }));
      return;
    }
    if (req.method === 'POST' && path.endsWith('/messages')) {
      sent.push(JSON.parse(body) as Record<string, unknown>);
      res.end(`{"messaging_product":"whatsapp","contacts":[],"messages":[{"id":"wamid.e2e.${sent.length}"}]}`);
      return;
    }
    res.statusCode = 404;
    res.end('{"error":{"message":"Unknown path","code":100}}');
  });
}

test.beforeAll(async () => {
  cloud = createServer(serve);
  await new Promise<void>((ok) => cloud.listen(cloudPort, '127.0.0.1', ok));
});
test.afterAll(() => new Promise<void>((ok) => cloud.close(() => ok())));

/** A webhook with one customer text, sent at `at`, as WhatsApp signs it. */
async function inbound(site: string, phoneNumberID: string, from: string, name: string, text: string, at: Date) {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '5550001',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550100', phone_number_id: phoneNumberID },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [{ from, id: `wamid.${marker('in')}`, timestamp: String(Math.floor(at.getTime() / 1000)), type: 'text', text: { body: text } }],
            },
          },
        ],
      },
    ],
  });
  const sig = 'sha256=' + createHmac('sha256', appSecret).update(body).digest('hex');
  const res = await fetch(`${deskURL}/api/v1/whatsapp/webhook/${site}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig },
    body,
  });
  expect(res.status).toBe(200);
}

test('an admin connects a WhatsApp number; a chat past the 24-hour window is answered with a template, and a fresh one shows the window closing', async ({
  browser,
}, info) => {
  const owner = await openDesk(browser);
  const { page } = owner;
  await page.goto(`${deskURL}/#/admin/whatsapp`);
  await expect(page.getByRole('heading', { name: 'WhatsApp', level: 2 })).toBeVisible();

  // Connect the number: the verify token and the callback URL, once.
  const name = marker('Support WA');
  const numberID = String(Date.now()).slice(-12);
  const form = page.getByRole('form', { name: 'Connect a WhatsApp number' });
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Phone number', { exact: true }).fill('+1 555 0100');
  await form.getByLabel('Phone number ID', { exact: true }).fill(numberID);
  await form.getByLabel('WhatsApp Business Account ID', { exact: true }).fill('5550001');
  await form.getByLabel('Access token', { exact: true }).fill(token);
  await form.getByLabel('App secret', { exact: true }).fill(appSecret);
  await form.getByRole('button', { name: 'Connect number' }).click();
  await expect(page.getByTestId('whatsapp-verify-token')).toHaveText(/^wavt_/);
  const callback = (await page.getByTestId('whatsapp-callback-url').first().textContent())?.trim() ?? '';
  expect(callback).toMatch(new RegExp(`^${deskURL}/api/v1/whatsapp/webhook/`));
  const site = callback.split('/').pop() ?? '';
  await page.getByRole('button', { name: 'Done' }).click();

  // Its templates, synced from the (fake) account.
  await page.getByRole('button', { name: `Sync templates of ${name}` }).click();
  await expect(page.getByText('1 template synced, all approved: agents can send it.')).toBeVisible();
  const list = page.getByRole('button', { name: `Templates of ${name}`, exact: true });
  if ((await list.getAttribute('aria-expanded')) !== 'true') await list.click();
  await expect(page.getByText('order_update', { exact: true })).toBeVisible();
  await shot(page, 'settings-whatsapp', info);
  await axe(page, 'Settings → WhatsApp with a number and its templates');

  // Maya wrote 25 hours ago: free text would not be delivered, so the
  // composer is a template picker.
  const maya = marker('Maya');
  await inbound(site, numberID, '15551230001', maya, `where is my parcel ${maya}?`, new Date(Date.now() - 25 * 3600_000));
  await page.goto('/');
  await expect(page.locator('.health')).toHaveText('Connected');
  await owner.openConversation(maya);
  const picker = page.getByRole('form', { name: 'Send a WhatsApp template' });
  await expect(picker).toBeVisible();
  await picker.getByLabel('Template').selectOption('7001');
  await picker.getByLabel('{{2}}').fill('#1042');
  await expect(picker.getByLabel('{{1}}')).toHaveValue(maya); // the contact's name
  await expect(picker).toContainText(`Hello ${maya}, your order #1042 has shipped.`);
  await shot(page, 'whatsapp-template-picker', info);
  await axe(page, 'a WhatsApp chat past the window: the template picker');
  await picker.getByRole('button', { name: 'Send template' }).click();
  await expect(owner.history.last()).toContainText(`Hello ${maya}, your order #1042 has shipped.`);
  await expect
    .poll(() => sent.find((m) => (m.template as { name?: string } | undefined)?.name === 'order_update' && m.to === '15551230001'))
    .toBeTruthy();

  // Ana writes now: the window is open for (almost) 24 hours and the
  // reply goes out as text.
  const ana = marker('Ana');
  await inbound(site, numberID, '15551230002', ana, `hello ${ana}`, new Date());
  await owner.openConversation(ana);
  await expect(page.getByRole('timer')).toHaveText(/Window closes in (23|24) h/);
  await owner.composer.fill('Hi Ana, how can I help?');
  await owner.composer.press('Enter');
  await expect.poll(() => sent.some((m) => m.to === '15551230002' && (m.text as { body?: string })?.body === 'Hi Ana, how can I help?')).toBe(true);
  await shot(page, 'whatsapp-conversation', info);
  await axe(page, 'a WhatsApp chat in the window');
  await owner.ctx.close();
});
