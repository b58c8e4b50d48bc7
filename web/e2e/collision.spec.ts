import { expect, test } from '@playwright/test';
import { deskURL, marker, openDesk, openVisitor, shot } from './fixtures';

// Two agents on one chat see each other, and the one whose chat it is not
// is asked before replying.
test('two agents on one chat see each other; replying to a colleague\'s chat asks first', async ({ browser }, info) => {
  const owner = await openDesk(browser);
  const email = `${marker('cara')}@livedesk.local`;
  const password = 'a password for cara the agent';
  const res = await owner.page.request.post(`${deskURL}/api/v1/agents`, { data: { email, name: 'Cara', role: 'agent', password } });
  expect(res.status()).toBe(201);
  const cara = await openDesk(browser, undefined, { email, password });

  const visitor = await openVisitor(browser);
  const m = marker('who is there?');
  await visitor.launcher.click();
  await visitor.input.fill(m);
  await visitor.input.press('Enter');

  // The owner takes the chat; Cara opens it too.
  await owner.page.locator('#queue .conv-row', { hasText: m }).click();
  const pick = owner.page.locator('.row-wrap', { hasText: m }).getByRole('button', { name: 'Pick up' });
  if (await pick.isVisible()) await pick.click();
  await expect(owner.page.locator('.pane-head')).toContainText('Assigned to you');
  await cara.openConversation(m);
  await expect(owner.page.locator('.viewing-label')).toHaveText('Cara is viewing');
  await expect(cara.page.locator('.viewing-label')).toHaveText('Owner is viewing');

  // Cara is asked before answering the owner's visitor.
  const guard = cara.page.getByRole('note').filter({ hasText: 'This chat is assigned to Owner' });
  await expect(guard).toBeVisible();
  await expect(cara.composer).toHaveCount(0);
  await shot(cara.page, 'desk-collision', info);
  await guard.getByRole('button', { name: 'Reply anyway' }).click();
  await cara.composer.fill('Hello from Cara');
  await cara.composer.press('Enter');
  await expect(visitor.theirs.filter({ hasText: 'Hello from Cara' })).toHaveCount(1);

  // Cara closes her tab: the owner no longer sees her.
  await cara.ctx.close();
  await expect(owner.page.locator('.viewing-label')).toHaveCount(0);
  // Closed again, so the owner's capacity is free for the specs after this one.
  await owner.page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Close' }).click();
  await expect(owner.page.getByRole('form', { name: 'Wrap-up' })).toBeVisible();
  await visitor.ctx.close();
  await owner.ctx.close();
});
