import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { marker, openDesk, pickedUpChat, shot } from './fixtures';

// Analytics (issue 16): a supervisor's screen of the period's chats, with
// the change against the period before, charts, agents and what visitors
// said; every table downloads as CSV. An answered chat of this test shows
// in today's numbers.
test('the analytics screen counts today\'s chats, by day and agent, and downloads them as CSV', async ({ browser }, info) => {
  const m = marker('count me');
  const { visitor, desk } = await pickedUpChat(browser, m);
  await desk.composer.fill('Hello, here to help');
  await desk.composer.press('Enter');
  await expect(visitor.theirs.filter({ hasText: 'here to help' })).toHaveCount(1);

  await desk.page.getByRole('button', { name: 'Analytics' }).click();
  await expect(desk.page.getByRole('heading', { name: 'Analytics' })).toBeVisible();
  await desk.page.getByRole('button', { name: 'Today' }).click();
  const started = desk.page.locator('.tile.started .tile-value');
  await expect(started).not.toHaveText('0');
  await expect(desk.page.locator('.tile.answered .tile-value')).not.toHaveText('0');
  await expect(desk.page.getByRole('table').filter({ hasText: 'First answer' })).toContainText('Owner'); // the agents' (the broadcasts' is another)
  // The owner has been online since signing in: its time shows beside its chats.
  const owner = desk.page.getByRole('row', { name: /Owner/ });
  await expect(owner.getByRole('cell').nth(4)).toHaveText(/\d+ (s|min)/);
  await desk.page.getByRole('button', { name: '30 days' }).click();
  await expect(desk.page.getByRole('img', { name: /Chats started each day/ })).toBeVisible();
  await expect(desk.page.getByRole('region', { name: 'Tickets' }).getByText('Time to accept')).toBeVisible();
  await expect(desk.page.getByRole('img', { name: /New contacts each day/ })).toBeVisible();
  await desk.page.getByRole('heading', { name: 'Agents' }).scrollIntoViewIfNeeded();
  await shot(desk.page, 'desk-analytics-agents', info);
  await desk.page.getByRole('heading', { name: 'By hour of day' }).scrollIntoViewIfNeeded();
  await shot(desk.page, 'desk-analytics', info);

  const [file] = await Promise.all([
    desk.page.waitForEvent('download'),
    desk.page.getByRole('region', { name: 'Chats by day' }).getByRole('button', { name: 'CSV' }).click(),
  ]);
  expect(file.suggestedFilename()).toMatch(/^chats-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/);
  const text = readFileSync(await file.path(), 'utf8');
  expect(text.split('\r\n')[0]).toBe('date,started,answered,missed,returning,closed');
  expect(text.split('\r\n').length).toBe(32); // a header, 30 days, and the final line break

  await visitor.ctx.close();
  await desk.ctx.close();
});

test('an agent has no analytics', async ({ browser }) => {
  const owner = await openDesk(browser);
  const email = `${marker('plain')}@livedesk.local`;
  const res = await owner.page.request.post('/api/v1/agents', { data: { email, name: 'Plain Agent', role: 'agent', password: 'a plain agent password' } });
  expect(res.status()).toBe(201);
  const agent = await openDesk(browser, undefined, { email, password: 'a plain agent password' });
  await expect(agent.page.getByRole('button', { name: 'Boards' })).toBeVisible();
  await expect(agent.page.getByRole('button', { name: 'Analytics' })).toHaveCount(0);
  await owner.ctx.close();
  await agent.ctx.close();
});
