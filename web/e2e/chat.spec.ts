import { expect, test } from '@playwright/test';
import { marker, openDesk, openVisitor, shot } from './fixtures';

test('a visitor and an agent chat both ways, each seeing the other type', async ({ browser }) => {
  const visitor = await openVisitor(browser);
  const hello = marker('Hello, do you ship to Canada?');
  await visitor.launcher.click();
  await expect(visitor.input).toBeFocused();
  await visitor.input.fill(hello);
  await visitor.input.press('Enter');
  const mine = visitor.messages.filter({ hasText: hello });
  await expect(mine).toHaveCount(1);
  await expect(mine.locator('.meta')).toContainText(/Sent|Seen/);

  const desk = await openDesk(browser);
  await desk.openConversation(hello);
  await expect(desk.history.filter({ hasText: hello })).toHaveCount(1);
  // The agent has it on screen: the visitor's message shows as seen.
  await expect(mine.locator('.meta')).toContainText('Seen');
  await expect(desk.page.locator('.pane-head')).toContainText('On the site');

  // The visitor types: the agent sees it, and it stops when the text is sent.
  await visitor.input.pressSequentially('Also, how long');
  await expect(desk.typingLine).toContainText('is typing…');

  // The agent types: the visitor sees it.
  await desk.composer.pressSequentially('Yes, we do');
  await expect(visitor.typing).toContainText('Owner is typing…');
  await desk.composer.pressSequentially(' — it takes 3 to 5 days.');
  await desk.composer.press('Enter');
  const reply = 'Yes, we do — it takes 3 to 5 days.';
  // The visitor has the panel open: the reply shows as seen.
  await expect(desk.history.filter({ hasText: reply }).locator('.delivery')).toHaveText('Seen');
  await expect(visitor.theirs.filter({ hasText: reply })).toHaveCount(1);
  await expect(visitor.typing).not.toContainText('is typing');

  await visitor.input.pressSequentially(' does it take?');
  await visitor.input.press('Enter');
  await expect(desk.history.filter({ hasText: 'Also, how long does it take?' })).toHaveCount(1);
  await expect(desk.typingLine).not.toContainText('is typing');
  await expect(visitor.messages).toHaveCount(3);
  await expect(desk.history).toHaveCount(3);

  // Shift+Enter makes a new line instead of sending.
  await desk.composer.fill('Line one');
  await desk.composer.press('Shift+Enter');
  await desk.composer.pressSequentially('line two');
  await expect(desk.composer).toHaveValue('Line one\nline two');
  await desk.composer.press('Enter');
  await expect(visitor.theirs.last().locator('.bubble')).toHaveText('Line one\nline two');

  // A navigation keeps the visitor (token per site), the open panel and the history;
  // the desk sees the new page.
  await visitor.page.getByRole('link', { name: 'Simple pricing' }).click();
  await expect(visitor.messages).toHaveCount(4);
  await expect(visitor.messages.filter({ hasText: hello })).toHaveCount(1);
  await expect(desk.page.locator('.pages')).toContainText('Pricing — Northwind Outdoor');
  await expect(desk.page.locator('.card', { hasText: 'Current page' })).toContainText('Pricing — Northwind Outdoor');

  // Both work under their strict Content-Security-Policy (the demo page has one too).
  expect(visitor.cspViolations).toEqual([]);
  expect(desk.cspViolations).toEqual([]);

  await visitor.ctx.close();
  await desk.ctx.close();
});

test('the widget is usable from the keyboard', async ({ browser }) => {
  const visitor = await openVisitor(browser);
  await expect(visitor.launcher).toHaveAttribute('aria-label', 'Open chat');
  await visitor.launcher.focus();
  await visitor.page.keyboard.press('Enter');
  await expect(visitor.input).toBeFocused();
  await expect(visitor.widget.getByRole('dialog', { name: /Chat with/ })).toBeVisible();
  // A message typed and sent with Enter alone.
  const text = marker('Typed by keyboard');
  await visitor.page.keyboard.type(text);
  await visitor.page.keyboard.press('Enter');
  await expect(visitor.messages.filter({ hasText: text })).toHaveCount(1);
  await expect(visitor.input).toBeFocused();
  await visitor.page.keyboard.press('Escape');
  await expect(visitor.widget.getByRole('dialog')).toHaveCount(0);
  await expect(visitor.launcher).toBeFocused();
  await visitor.ctx.close();
});

test('an agent message to a closed panel shows an unread badge', async ({ browser }) => {
  const visitor = await openVisitor(browser);
  const text = marker('Badge test');
  await visitor.launcher.click();
  await visitor.input.fill(text);
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: text }).locator('.meta')).toContainText(/Sent|Seen/);

  // The agent takes the chat first (its "picked up" line is news for the
  // visitor too), then writes while the panel is closed.
  const desk = await openDesk(browser);
  await desk.openConversation(text);
  const pick = desk.page.locator('.row-wrap', { hasText: text }).getByRole('button', { name: 'Pick up' });
  if (await pick.isVisible()) await pick.click();
  await expect(desk.page.locator('.pane-head')).toContainText('Assigned to you');
  await visitor.widget.getByRole('button', { name: 'Close chat' }).first().click();
  await desk.composer.fill('Anything else I can help with?');
  await desk.composer.press('Enter');
  await expect(visitor.launcher).toHaveAttribute('aria-label', 'Open chat, 1 unread');
  await expect(visitor.widget.locator('.badge')).toHaveText('1');
  await visitor.launcher.click();
  await expect(visitor.widget.locator('.badge')).toHaveCount(0);
  await visitor.ctx.close();
  await desk.ctx.close();
});

// Delivered (on the other side's device) and Seen (on its screen), both
// ways: the widget reports while its panel is closed, the assigned agent's
// desk while the chat is not on screen.
test('messages are sent, then delivered, then seen, both ways', async ({ browser }, info) => {
  const visitor = await openVisitor(browser);
  const m = marker('Is anybody there?');
  await visitor.launcher.click();
  await visitor.input.fill(m);
  await visitor.input.press('Enter');

  const desk = await openDesk(browser);
  await desk.page.locator('#queue .conv-row', { hasText: m }).click();
  const pick = desk.page.locator('.row-wrap', { hasText: m }).getByRole('button', { name: 'Pick up' });
  if (await pick.isVisible()) await pick.click();
  await expect(desk.page.locator('.pane-head')).toContainText('Assigned to you');
  const mine = (text: string) => desk.history.filter({ hasText: text }).locator('.delivery');

  // The panel is open: Seen at once.
  await desk.composer.fill('Yes, I am here.');
  await desk.composer.press('Enter');
  await expect(mine('Yes, I am here.')).toHaveText(/Seen/);
  // The panel is closed: Delivered, then Seen when the visitor opens it.
  await visitor.widget.getByRole('button', { name: 'Close chat' }).first().click();
  await desk.composer.fill('How can I help?');
  await desk.composer.press('Enter');
  await expect(visitor.widget.locator('.badge')).toHaveText('1');
  await expect(mine('How can I help?')).toHaveText(/Delivered/);
  await shot(desk.page, 'desk-delivered', info);
  await visitor.launcher.click();
  await expect(mine('How can I help?')).toHaveText(/Seen/);

  // The agent is in the settings: the visitor's next message is Delivered,
  // and Seen once the agent is back with the chat.
  await desk.page.getByRole('button', { name: 'Settings' }).click();
  const next = marker('My order never arrived');
  await visitor.input.fill(next);
  await visitor.input.press('Enter');
  const theirs = visitor.messages.filter({ hasText: next }).locator('.meta');
  await expect(theirs).toContainText('Delivered');
  await desk.page.getByRole('button', { name: '← Back to conversations' }).click();
  await expect(theirs).toContainText('Seen');
  await visitor.ctx.close();
  await desk.ctx.close();
});
