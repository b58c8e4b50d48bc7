import type { Page } from '@playwright/test';
import { expect, test } from '@playwright/test';
import { marker, openDesk, openVisitor, pdfFile, pngImage, shot } from './fixtures';

async function identify(page: Page, who: { name?: string; email: string }) {
  await page.evaluate((w) => (window as unknown as { LiveDesk: { identify: (x: object) => void } }).LiveDesk.identify(w), who);
}

// Contacts: a visitor who leaves an e-mail address comes back from another
// browser with the same address; the agent sees the first chat beside the
// second, opens the contact's page, edits it, finds it by search, and a
// reload keeps everything.
test('a returning visitor: the contact card shows the earlier chat; the contact page edits and keeps', async ({ browser }, info) => {
  const email = `${marker('pat')}@example.com`;
  const first = await openVisitor(browser);
  await identify(first.page, { name: 'Pat Rivera', email });
  const one = marker('my first question');
  await first.launcher.click();
  await first.input.fill(one);
  await first.input.press('Enter');
  await expect(first.messages.filter({ hasText: one }).locator('.meta')).toContainText(/Sent|Seen/);
  await first.ctx.close();

  const second = await openVisitor(browser);
  await identify(second.page, { email });
  const two = marker('me again');
  await second.launcher.click();
  await second.input.fill(two);
  await second.input.press('Enter');

  const desk = await openDesk(browser);
  await desk.openConversation(two);
  const card = desk.page.getByRole('region', { name: 'Contact' });
  await expect(card).toContainText('Pat Rivera');
  await expect(card).toContainText('Claimed');
  await expect(card.getByRole('button', { name: one })).toBeVisible();
  await shot(desk.page, 'desk-contact-card', info);

  // A quick response with fields: the chat fills what it knows (the name
  // from the contact's record: this visitor gave only an address), the rest
  // stays marked and is not sent until the agent fills it in.
  const made = await desk.page.request.post('/api/v1/quick-responses', {
    data: { title: 'Order status', shortcut: marker('order').replace('-', ''), body: 'Hi {{contact.name | there}}, {{agent.name}} here: order {{context.order}} is on its way.' },
  });
  expect(made.status()).toBe(201);
  const { shortcut } = (await made.json()) as { shortcut: string };
  await desk.composer.fill(`/${shortcut.slice(0, 5)}`);
  await desk.composer.press('End'); // an input event, as typing makes
  await desk.composer.pressSequentially(shortcut.slice(5));
  const menu = desk.page.getByRole('listbox', { name: 'Quick responses' });
  await expect(menu.getByRole('option', { name: new RegExp(shortcut) })).toBeVisible();
  await desk.composer.press('Enter');
  await expect(desk.composer).toHaveValue('Hi Pat Rivera, Owner here: order {{context.order}} is on its way.');
  await desk.composer.press('Enter');
  await expect(desk.page.getByRole('alert').filter({ hasText: 'Fill in {{context.order}}' })).toBeVisible();
  await shot(desk.page, 'desk-quick-response', info);
  await desk.composer.fill('Hi Pat Rivera, Owner here: order A-1001 is on its way.');
  await desk.composer.press('Enter');
  await expect(second.theirs.filter({ hasText: 'order A-1001 is on its way' })).toHaveCount(1);
  await expect(second.widget).not.toContainText('{{');

  // Files both ways: the visitor sends a screenshot and a PDF from the
  // widget; the agent sees the image and a card, and answers with its own.
  await second.widget.locator('input[type=file]').setInputFiles([
    { name: 'screenshot.png', mimeType: 'image/png', buffer: pngImage(320, 200) },
    { name: 'order.pdf', mimeType: 'application/pdf', buffer: pdfFile },
  ]);
  const deskImage = desk.page.locator('.history .bubble.image img[alt="screenshot.png"]');
  await expect(deskImage).toBeVisible();
  await expect.poll(() => deskImage.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
  await expect(desk.page.locator('.history a.bubble.file')).toContainText('order.pdf');
  await expect(desk.page.locator('.history a.bubble.file')).toHaveAttribute('href', /\/api\/v1\/files\/[\w-]+\?download=1$/);
  // A kind of file the workspace does not take is refused before it goes.
  await desk.page.locator('.pane input[type=file]').setInputFiles([{ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') }]);
  await expect(desk.page.getByRole('alert').filter({ hasText: 'setup.exe' })).toBeVisible();
  await desk.page.locator('.pane input[type=file]').setInputFiles([
    { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: pdfFile },
    { name: 'label.png', mimeType: 'image/png', buffer: pngImage(200, 120) },
  ]);
  const widgetImage = second.widget.locator('li.msg.theirs .bubble.image img[alt="label.png"]');
  await expect(widgetImage).toHaveAttribute('src', /^blob:/);
  await expect.poll(() => widgetImage.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(200);
  await expect(second.theirs.locator('.bubble.file')).toContainText('invoice.pdf');
  await expect(second.widget.locator('li.msg.mine .bubble.image img[alt="screenshot.png"]')).toHaveAttribute('src', /^blob:/);
  await shot(desk.page, 'desk-files', info);
  await shot(second.page, 'widget-files', info);
  // The visitor downloads the PDF: the same bytes.
  const [download] = await Promise.all([second.page.waitForEvent('download'), second.theirs.locator('.bubble.file').click()]);
  expect(download.suggestedFilename()).toBe('invoice.pdf');
  // A reload keeps everything on both sides.
  await second.page.reload(); // the panel stays open across a reload
  await expect(second.widget.locator('li.msg .bubble.image img[src^="blob:"]')).toHaveCount(2);
  await expect(second.widget.locator('li.msg .bubble.file')).toHaveCount(2);
  await desk.page.reload();
  await expect(desk.page.locator('.history .bubble.image img')).toHaveCount(2);
  await expect(desk.page.locator('.history a.bubble.file')).toHaveCount(2);

  // The card edits the contact beside the chat, and another desk's card
  // follows live; an internal note shows on the contact's page.
  const other = await openDesk(browser);
  await other.openConversation(email); // either of Pat's chats: the same contact
  const otherCard = other.page.getByRole('region', { name: 'Contact' });
  await expect(otherCard).toContainText('Pat Rivera');
  await card.getByRole('button', { name: 'Edit name, e-mail, phone' }).click();
  await card.getByLabel('Name').fill('Pat Rivera-Lee');
  await card.getByRole('button', { name: 'Save' }).click();
  await expect(card.getByRole('form', { name: 'Edit the contact' })).toHaveCount(0);
  await expect(card).toContainText('Pat Rivera-Lee');
  await expect(otherCard).toContainText('Pat Rivera-Lee');
  await other.ctx.close();
  await desk.page.getByRole('button', { name: 'Internal note' }).click();
  const noteText = marker('prefers e-mail');
  await desk.page.getByRole('combobox', { name: 'Internal note' }).fill(noteText);
  await desk.page.getByRole('combobox', { name: 'Internal note' }).press('Enter');
  await expect(desk.page.locator('.history li.comment').filter({ hasText: noteText })).toHaveCount(1);
  await desk.page.getByRole('button', { name: 'Reply', exact: true }).click();

  // The earlier chat opens from the card.
  await card.getByRole('button', { name: one }).click();
  await expect(desk.history.filter({ hasText: one })).toHaveCount(1);

  // The contact's page: edit the phone and a typed field.
  await desk.page.getByRole('region', { name: 'Contact' }).getByRole('link', { name: /Open the contact/ }).click();
  await expect(desk.page.getByRole('heading', { name: 'Pat Rivera' })).toBeVisible();
  const profile = desk.page.getByRole('form', { name: 'Profile' });
  await profile.getByLabel('Phone').fill('+1 555 0100');
  await profile.getByRole('button', { name: 'Add a field' }).click();
  await profile.getByLabel('Field name').fill('plan');
  await profile.getByLabel('Value of plan').fill('pro');
  await profile.getByRole('button', { name: 'Save contact' }).click();
  await expect(profile.getByRole('status')).toHaveText('Saved');
  await profile.getByLabel('Phone').fill('call me maybe');
  await profile.getByRole('button', { name: 'Save contact' }).click();
  await expect(profile.getByRole('alert')).toContainText('phone number');
  await expect(desk.page.locator('.contact-notes')).toContainText(noteText);
  await expect(desk.page.getByRole('button', { name: one })).toBeVisible();
  await shot(desk.page, 'desk-contact', info);

  // Found by search, and kept across a reload.
  await desk.page.goto('/#/contacts');
  await desk.page.getByRole('searchbox', { name: 'Search contacts' }).fill('555 0100');
  await expect(desk.page.getByRole('link', { name: 'Pat Rivera' })).toBeVisible();
  await shot(desk.page, 'desk-contacts', info);
  await desk.page.getByRole('link', { name: 'Pat Rivera' }).click();
  await desk.page.reload();
  await expect(desk.page.getByRole('form', { name: 'Profile' }).getByLabel('Phone')).toHaveValue('+1 555 0100');
  await expect(desk.page.getByLabel('Value of plan')).toHaveValue('pro');

  await second.ctx.close();
  await desk.ctx.close();
});
