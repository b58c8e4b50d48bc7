import { expect, test } from '@playwright/test';
import { marker, openDesk, openVisitor } from './fixtures';

test('a visitor whose network drops gets every message exactly once after it returns', async ({ browser }) => {
  const visitor = await openVisitor(browser);
  const first = marker('Before the drop');
  await visitor.launcher.click();
  await visitor.input.fill(first);
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: first }).locator('.meta')).toContainText(/Sent|Seen/);

  const desk = await openDesk(browser);
  await desk.openConversation(first);
  await desk.composer.fill('Hi! Let me check.');
  await desk.composer.press('Enter');
  await expect(visitor.theirs).toHaveCount(1);

  // The visitor's network goes away (DevTools offline emulation).
  const cdp = await visitor.ctx.newCDPSession(visitor.page);
  await cdp.send('Network.enable');
  const offline = (on: boolean) =>
    cdp.send('Network.emulateNetworkConditions', { offline: on, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await offline(true);
  await expect(visitor.banner).toHaveText('Reconnecting…');
  await expect(desk.page.locator('.pane-head')).toContainText('Visitor disconnected');

  // Meanwhile the agent writes three messages and the visitor one.
  for (const n of [1, 2, 3]) {
    await desk.composer.fill(`While you were away ${n}`);
    await desk.composer.press('Enter');
    await expect(desk.history.filter({ hasText: `While you were away ${n}` }).locator('.delivery')).toHaveText(/Sent|Seen/);
  }
  await visitor.input.fill('Are you there?');
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: 'Are you there?' }).locator('.meta')).toHaveText('Sending…');

  // The network returns: the widget reconnects by itself and resumes.
  await offline(false);
  await expect(visitor.banner).toHaveCount(0);
  for (const n of [1, 2, 3]) {
    await expect(visitor.theirs.filter({ hasText: `While you were away ${n}` })).toHaveCount(1);
  }
  await expect(visitor.messages.filter({ hasText: 'Are you there?' }).locator('.meta')).toContainText(/Sent|Seen/);
  await expect(visitor.messages).toHaveCount(6);
  await expect(desk.history.filter({ hasText: 'Are you there?' })).toHaveCount(1);
  await expect(desk.history).toHaveCount(6);
  // Every event once, in seq order, with no gap (system events such as an
  // assignment take seqs too).
  const seqs = await visitor.widget.locator('li[data-seq]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));

  await visitor.ctx.close();
  await desk.ctx.close();
});

test('a visitor whose socket is cut resumes without losing or doubling anything', async ({ browser }) => {
  const visitor = await openVisitor(browser);
  // Keep a handle on the widget's sockets so the test can cut them.
  await visitor.page.addInitScript(() => {
    const Native = window.WebSocket;
    const sockets: WebSocket[] = [];
    (window as unknown as { cutSockets: () => void }).cutSockets = () => sockets.forEach((s) => s.close());
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    };
  });
  await visitor.page.reload();
  const first = marker('Socket test');
  await visitor.launcher.click();
  await visitor.input.fill(first);
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: first }).locator('.meta')).toContainText(/Sent|Seen/);

  const desk = await openDesk(browser);
  await desk.openConversation(first);
  for (const n of [1, 2, 3, 4]) {
    await desk.composer.fill(`Burst ${n}`);
    await desk.composer.press('Enter');
    if (n === 2) await visitor.page.evaluate(() => (window as unknown as { cutSockets: () => void }).cutSockets());
  }
  for (const n of [1, 2, 3, 4]) {
    await expect(visitor.theirs.filter({ hasText: `Burst ${n}` })).toHaveCount(1);
  }
  await expect(visitor.messages).toHaveCount(5);
  await visitor.ctx.close();
  await desk.ctx.close();
});

test('the desk shows that it is reconnecting, and recovers by itself', async ({ browser }) => {
  const desk = await openDesk(browser);
  const cdp = await desk.ctx.newCDPSession(desk.page);
  await cdp.send('Network.enable');
  const offline = (on: boolean) =>
    cdp.send('Network.emulateNetworkConditions', { offline: on, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await offline(true);
  await expect(desk.page.locator('.health')).toHaveText('Reconnecting…');
  await expect(desk.page.getByRole('radio', { name: 'Online' })).toBeDisabled();
  await offline(false);
  await expect(desk.page.locator('.health')).toHaveText('Connected');
  await expect(desk.page.getByRole('radio', { name: 'Online' })).toBeEnabled();
  await desk.ctx.close();
});
