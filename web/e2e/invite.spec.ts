import { expect, test } from '@playwright/test';
import { marker, openDesk, openVisitor, shot } from './fixtures';
import { axe } from './axe';

// Proactive chat: an agent writes first to a visitor who is only browsing.
test('an agent starts a chat with a browsing visitor, who gets it at once', async ({ browser }, info) => {
  const visitor = await openVisitor(browser);
  const name = marker('Browsing Bob');
  await visitor.page.evaluate((n) => (window as unknown as { LiveDesk: { identify: (x: object) => void } }).LiveDesk.identify({ name: n }), name);
  const desk = await openDesk(browser);
  await desk.page.getByRole('searchbox', { name: 'Search visitors' }).fill(name);
  const row = desk.page.locator('.visitor-row', { hasText: name });
  await expect(row).toContainText('Browsing');
  await row.click();
  await expect(desk.page.getByText(`${name} is browsing`)).toBeVisible();
  const hello = marker('Hi! Can I help you find the right tent?');
  await desk.page.getByLabel('Start a chat').fill(hello);
  await shot(desk.page, 'desk-invite', info);
  await axe(desk.page, 'a browsing visitor, with Start a chat');
  await desk.page.getByRole('button', { name: 'Send and open the chat' }).click();
  await expect(desk.page.locator('.pane-head')).toContainText('Assigned to you');
  await expect(desk.history.filter({ hasText: hello })).toHaveCount(1);

  // The visitor sees it without having asked, and answers in the same chat.
  await expect(visitor.launcher).toHaveAttribute('aria-label', 'Open chat, 1 unread');
  await visitor.launcher.click();
  await expect(visitor.theirs.filter({ hasText: hello })).toHaveCount(1);
  await visitor.input.fill('Yes, a two-person one');
  await visitor.input.press('Enter');
  await expect(desk.history.filter({ hasText: 'Yes, a two-person one' })).toHaveCount(1);
  // Closed again, so the owner's capacity is free for the specs after this one.
  await desk.page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Close' }).click();
  await expect(desk.page.getByRole('form', { name: 'Wrap-up' })).toBeVisible();

  // The Closed tab pages back through older chats (here: all are held already).
  await desk.page.getByRole('tab', { name: /^Closed/ }).click();
  await desk.page.getByRole('button', { name: 'Load older closed chats' }).click();
  await expect(desk.page.getByText('No older closed chats.')).toBeVisible();
  await visitor.ctx.close();
  await desk.ctx.close();
});
