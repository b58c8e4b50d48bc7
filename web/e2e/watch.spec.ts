import { expect, test } from '@playwright/test';
import { deskURL, marker, openDesk, openVisitor, shot } from './fixtures';

// An agent who works from Mine is not sent the messages of a colleague's
// chat (desk.watch), and going back to All shows that chat's latest
// message all the same. Mine is kept across a reload.
test('a desk on Mine is not sent a colleague\'s messages, and All shows them current', async ({ browser }, info) => {
  const owner = await openDesk(browser);
  const email = `${marker('dana')}@livedesk.local`;
  const password = 'a password for dana the agent';
  const res = await owner.page.request.post(`${deskURL}/api/v1/agents`, { data: { email, name: 'Dana', role: 'agent', password } });
  expect(res.status()).toBe(201);

  const visitor = await openVisitor(browser);
  const first = marker('a question for the owner');
  await visitor.launcher.click();
  await visitor.input.fill(first);
  await visitor.input.press('Enter');
  await owner.page.locator('#queue .conv-row', { hasText: first }).click();
  const pick = owner.page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Pick up' });
  if (await pick.isVisible()) await pick.click();
  await expect(owner.page.locator('.pane-head')).toContainText('Assigned to you');

  // Dana's desk, its socket's frames in order, both ways.
  const dana = await openDesk(browser, undefined, { email, password });
  const wire: { dir: 'in' | 'out'; text: string }[] = [];
  dana.page.on('websocket', (ws) => {
    // The server may put several frames in one message, one per line.
    ws.on('framereceived', (f) => {
      for (const line of String(f.payload).split('\n')) wire.push({ dir: 'in', text: line });
    });
    ws.on('framesent', (f) => wire.push({ dir: 'out', text: String(f.payload) }));
  });
  await dana.page.reload();
  await expect(dana.page.locator('.health')).toHaveText('Connected');
  const views = dana.page.getByRole('group', { name: 'Whose chats' });
  await views.getByRole('button', { name: /^Mine/ }).click();
  await expect.poll(() => wire.some((f) => f.dir === 'out' && f.text.includes('"desk.watch"') && f.text.includes('"mine"'))).toBe(true);

  // The visitor writes again; the owner's desk shows it, so it was sent
  // to every desk that follows the chat before Dana widens her view.
  const second = marker('and another thing');
  await visitor.input.fill(second);
  await visitor.input.press('Enter');
  await expect(owner.history.filter({ hasText: second })).toHaveCount(1);
  await views.getByRole('button', { name: /^All/ }).click();
  // The owner's chat's row shows the visitor's latest words.
  await expect(dana.page.locator('.conv-row .preview', { hasText: second })).toHaveCount(1);
  const widened = wire.findIndex((f) => f.dir === 'out' && f.text.includes('"desk.watch"') && f.text.includes('"all"'));
  expect(widened).toBeGreaterThan(0);
  const before = wire.slice(0, widened).filter((f) => f.dir === 'in' && f.text.startsWith('{"type":"message"') && f.text.includes(second));
  expect(before).toHaveLength(0);

  // Mine again, and kept across a reload: the desk asks at once.
  await views.getByRole('button', { name: /^Mine/ }).click();
  wire.length = 0;
  await dana.page.reload();
  await expect(dana.page.locator('.health')).toHaveText('Connected');
  await expect(views.getByRole('button', { name: /^Mine/ })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => wire.some((f) => f.dir === 'out' && f.text.includes('"desk.watch"') && f.text.includes('"mine"'))).toBe(true);
  // Dana holds no chat: her Mine view says so, not "No matches".
  await expect(dana.page.locator('#queue .empty-state')).toContainText('Nothing assigned to you');
  await shot(dana.page, 'desk-mine-after-reload', info);

  // Closed again, so the owner's capacity is free for the specs after this one.
  await owner.page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Close' }).click();
  await expect(owner.page.getByRole('form', { name: 'Wrap-up' })).toBeVisible();
  await visitor.ctx.close();
  await dana.ctx.close();
  await owner.ctx.close();
});
