import { expect, test } from '@playwright/test';
import { openDesk, openVisitor } from './fixtures';

const XSS = '<img src=x onerror=alert(1)>';

test('message text is shown as text and runs nothing, in the widget and the desk', async ({ browser }) => {
  const visitor = await openVisitor(browser);
  await visitor.launcher.click();
  await visitor.input.fill(XSS);
  await visitor.input.press('Enter');
  const sent = visitor.messages.filter({ hasText: XSS });
  await expect(sent.locator('.bubble')).toHaveText(XSS);

  const desk = await openDesk(browser);
  await desk.openConversation(XSS);
  const shown = desk.history.filter({ hasText: XSS });
  await expect(shown.locator('.bubble')).toHaveText(XSS);
  await expect(desk.page.locator('.conv-row.active .preview')).toHaveText(XSS);

  await desk.composer.fill(`${XSS} <script>alert(2)</script>`);
  await desk.composer.press('Enter');
  await expect(visitor.theirs.locator('.bubble')).toHaveText(`${XSS} <script>alert(2)</script>`);

  await expect(desk.page.locator('.history img, .rows img, .toasts img')).toHaveCount(0);
  await expect(visitor.widget.locator('img')).toHaveCount(0);
  expect(visitor.dialogs).toEqual([]);
  expect(desk.dialogs).toEqual([]);
  await visitor.ctx.close();
  await desk.ctx.close();
});
