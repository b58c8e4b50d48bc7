import { expect, test } from '@playwright/test';
import { deskURL, marker, openDesk, openVisitor, shot } from './fixtures';

// Working together: the owner asks a colleague in an internal note with an
// @mention; the colleague's bell counts it, the inbox opens the chat, the
// chat waits under Tagged until it closes, and the visitor sees nothing.
test('an @mention in an internal note reaches the colleague: bell, inbox, Tagged; the visitor sees nothing', async ({ browser }, info) => {
  const owner = await openDesk(browser);
  const suffix = marker('x').slice(-4);
  const name = `Bram ${suffix}`;
  const email = `${marker('bram')}@livedesk.local`;
  const password = 'a password for bram the agent';
  const res = await owner.page.request.post(`${deskURL}/api/v1/agents`, { data: { email, name, role: 'agent', password } });
  expect(res.status()).toBe(201);
  const bram = await openDesk(browser, undefined, { email, password });
  await expect(bram.page.getByRole('button', { name: 'Inbox', exact: true })).toBeVisible();

  const visitor = await openVisitor(browser);
  const m = marker('my order never came');
  await visitor.launcher.click();
  await visitor.input.fill(m);
  await visitor.input.press('Enter');

  // The owner writes an internal note and picks Bram from the @ list.
  await owner.page.locator('#queue .conv-row', { hasText: m }).click();
  const visitorName = await owner.page.locator('#queue .conv-row', { hasText: m }).locator('.name').innerText();
  await owner.page.getByRole('button', { name: 'Internal note' }).click();
  const note = owner.page.getByRole('combobox', { name: 'Internal note' });
  await note.fill('@Bra');
  const list = owner.page.getByRole('listbox', { name: 'Mention an agent' });
  await expect(list.getByRole('option', { name })).toBeVisible();
  await shot(owner.page, 'desk-note-mention', info);
  await note.press('Enter');
  await expect(note).toHaveValue(`@${name} `);
  await note.pressSequentially('can you check the **refund**?');
  await note.press('Enter');
  const comment = owner.page.locator('.history .note.comment', { hasText: 'can you check the' });
  await expect(comment).toContainText('Internal note · Owner');
  await expect(comment.locator('strong')).toHaveText('refund');
  await expect(comment.locator('.mention')).toHaveText(`@${name}`);
  await expect(note).toHaveValue('');

  // A mention nobody online can answer is refused, and nothing is stored.
  await note.fill('@sup');
  await list.getByRole('option', { name: 'Any supervisor online' }).click();
  await note.press('End');
  await note.pressSequentially('anyone?');
  await note.press('Enter');
  await expect(owner.page.getByRole('alert').filter({ hasText: 'no supervisor is online' })).toBeVisible();
  await expect(owner.page.locator('.history .note.comment')).toHaveCount(1);
  await note.fill('');

  // The owner answers the visitor too: the visitor gets the answer and
  // nothing of the note that came before it.
  await owner.page.getByRole('button', { name: 'Reply', exact: true }).click();
  await owner.composer.fill('We are looking into it');
  await owner.composer.press('Enter');
  await expect(visitor.theirs.filter({ hasText: 'We are looking into it' })).toHaveCount(1);
  await expect(visitor.widget).not.toContainText('refund');
  await expect(visitor.widget).not.toContainText(name);

  // Bram's bell counts it; the inbox opens the chat and marks it read.
  const bell = bram.page.getByRole('button', { name: 'Inbox, 1 unread' });
  await expect(bell).toBeVisible();
  await bell.click();
  const item = bram.page.getByRole('listitem').filter({ hasText: 'Owner mentioned you' });
  await expect(item).toContainText(`Chat with ${visitorName}`);
  await expect(item).toContainText(`@${name} can you check the refund?`);
  await shot(bram.page, 'desk-inbox', info);
  await item.getByRole('button', { name: /Owner mentioned you/ }).click();
  await expect(bram.page.locator('.pane .note.comment', { hasText: 'can you check the' })).toBeVisible();
  await expect(bram.page.getByRole('button', { name: 'Inbox', exact: true })).toBeVisible();

  // The chat is under Bram's Tagged tab until it closes.
  await bram.page.getByRole('tab', { name: /Tagged/ }).click();
  const tagged = bram.page.locator('#queue .conv-row', { hasText: 'We are looking into it' });
  await expect(tagged).toHaveCount(1);
  await shot(bram.page, 'desk-tagged', info);
  await owner.page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Close' }).click();
  await expect(owner.page.getByRole('form', { name: 'Wrap-up' })).toBeVisible();
  await expect(tagged).toHaveCount(0);

  await visitor.ctx.close();
  await bram.ctx.close();
  await owner.ctx.close();
});
