import { expect, test } from '@playwright/test';
import { marker, pickedUpChat, shot } from './fixtures';

// Ratings (issue 16): the visitor ends the chat and rates it in the
// widget, one tap and then a comment; the agent's desk shows the rating
// live on the conversation and in the list, and again when the visitor
// changes it; a desk that reloads still shows it.
test('a visitor rates an ended chat; the desk sees it live, and the change too', async ({ browser }, info) => {
  const m = marker('rate me');
  const { visitor, desk } = await pickedUpChat(browser, m);

  await visitor.widget.getByRole('button', { name: 'End chat' }).click();
  await visitor.widget.getByRole('alertdialog', { name: 'End this chat?' }).getByRole('button', { name: 'End chat' }).click();
  const rate = visitor.widget.getByRole('form', { name: 'How was this chat?' });
  await expect(rate).toBeVisible();
  await rate.getByRole('button', { name: /Good/ }).click();
  await expect(rate.getByRole('button', { name: /Good/ })).toHaveAttribute('aria-pressed', 'true');
  // One tap is a rating: the desk has it before any comment.
  const line = desk.page.locator('.rating-line');
  await expect(line).toContainText('The visitor rated this chat good');
  await rate.getByLabel('Tell us more (optional)').fill('Quick and kind');
  await shot(visitor.page, 'widget-rating', info);
  await rate.getByRole('button', { name: 'Send' }).click();
  await expect(visitor.widget.locator('.rated')).toContainText('Thanks for your feedback.');
  await expect(line).toContainText('“Quick and kind”');
  await desk.page.getByRole('tab', { name: /^Closed/ }).click();
  await expect(desk.page.locator('#queue .conv-row', { hasText: m }).locator('.tag.rating')).toHaveText(/^\s*Good$/);
  await shot(desk.page, 'desk-rating', info);

  // Changed within the day: the desk follows.
  await visitor.widget.getByRole('button', { name: 'Change' }).click();
  await visitor.widget.getByRole('form', { name: 'How was this chat?' }).getByRole('button', { name: /Bad/ }).click();
  await expect(line).toContainText('The visitor rated this chat bad');
  await expect(line).toHaveClass(/bad/);

  // Stored: a desk that reloads shows it.
  await desk.page.reload();
  await desk.page.getByRole('tab', { name: /^Closed/ }).click();
  await expect(desk.page.locator('#queue .conv-row', { hasText: m }).locator('.tag.rating')).toHaveText(/^\s*Bad$/);

  await visitor.ctx.close();
  await desk.ctx.close();
});
