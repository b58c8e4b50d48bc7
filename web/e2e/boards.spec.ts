import { expect, test } from '@playwright/test';
import { deskURL, marker, openDesk, openVisitor, pickedUpChat, shot } from './fixtures';
import { axe } from './axe';

// Boards (issue 15): an agent makes a live chat a ticket, drags it across
// the board's columns while a second desk watches it move (and moves it
// with the keyboard), and closing it by dragging it to Closed ends the
// visitor's chat in the widget.
test('a ticket made from a chat moves across the board, live on a second desk, and closing it ends the chat', async ({ browser }, info) => {
  const m = marker('broken zipper');
  const { visitor, desk } = await pickedUpChat(browser, m);
  await desk.page.getByRole('button', { name: 'Make a ticket' }).click();
  await expect(desk.page.getByRole('button', { name: 'Make a ticket' })).toHaveCount(0);

  const watcher = await openDesk(browser);
  await watcher.page.goto('/#/boards');
  await desk.page.goto('/#/boards');
  const lane = (page: typeof desk.page, name: string) => page.getByRole('region', { name: new RegExp(`^${name} `) });
  const card = (page: typeof desk.page) => page.locator('li.tcard', { hasText: m });
  // Taken by the agent who made it: In progress.
  await expect(lane(desk.page, 'In progress').locator('li.tcard', { hasText: m })).toBeVisible();
  await expect(lane(watcher.page, 'In progress').locator('li.tcard', { hasText: m })).toBeVisible();

  // Dragged to Waiting: the second desk sees it move.
  await card(desk.page).dragTo(lane(desk.page, 'Waiting').locator('ol.cards'));
  await expect(lane(desk.page, 'Waiting').locator('li.tcard', { hasText: m })).toBeVisible();
  await expect(lane(watcher.page, 'Waiting').locator('li.tcard', { hasText: m })).toBeVisible();
  await expect(lane(watcher.page, 'In progress').locator('li.tcard', { hasText: m })).toHaveCount(0);
  await shot(watcher.page, 'desk-board', info);

  // Its fields, edited beside the board: the second desk sees them, and filters by them.
  await card(desk.page).getByRole('button', { name: m }).click();
  const fields = desk.page.getByRole('form', { name: 'Ticket fields' });
  await expect(desk.page.getByRole('heading', { name: 'Chats (1)' })).toBeVisible();
  await desk.page.getByRole('button', { name: 'Watch', exact: true }).click();
  await expect(desk.page.getByRole('button', { name: 'Watching' })).toHaveAttribute('aria-pressed', 'true');
  await expect(desk.page.getByText('1 agent watches it')).toBeVisible();
  await fields.getByLabel('Priority').selectOption('urgent');
  await fields.getByLabel('Type').selectOption('bug');
  await fields.getByLabel(/Tags/).fill('zipper, warranty');
  await fields.getByLabel(/The customer follows it/).check();
  await fields.getByRole('button', { name: 'Save ticket' }).click();
  await expect(fields.getByRole('status')).toHaveText('Saved');
  await expect(desk.page.locator('ol.drawer-history')).toContainText('changed priority, public, tags, type');
  // The visitor follows it in the widget: its subject and status, nothing internal.
  const requests = visitor.widget.locator('details.requests');
  await requests.locator('summary').click();
  await expect(requests).toContainText(m);
  await expect(requests).toContainText('Waiting');
  await expect(requests).not.toContainText('warranty');
  await shot(desk.page, 'desk-board-ticket', info);
  await axe(desk.page, "a board's ticket");
  await desk.page.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(card(watcher.page).locator('.pill', { hasText: 'urgent' })).toBeVisible();
  await watcher.page.getByLabel('Priority').selectOption('low');
  await expect(card(watcher.page)).toHaveCount(0);
  await watcher.page.getByLabel('Priority').selectOption('urgent');
  await expect(card(watcher.page)).toHaveCount(1);

  // The keyboard way, from the second desk: Move to Resolved. The visitor sees it live.
  await card(watcher.page).getByRole('combobox', { name: /^Move/ }).selectOption({ label: 'Resolved' });
  await expect(lane(desk.page, 'Resolved').locator('li.tcard', { hasText: m })).toBeVisible();
  await expect(requests).toContainText('Resolved');
  await shot(visitor.page, 'widget-ticket-status', info);

  // Dragged to Closed: the ticket closes, and so does the visitor's chat.
  await card(desk.page).dragTo(lane(desk.page, 'Closed').locator('ol.cards'));
  await expect(lane(watcher.page, 'Closed').locator('li.tcard', { hasText: m })).toBeVisible();
  await expect(visitor.widget.getByText('This chat has ended')).toBeVisible();

  // A reload keeps the place.
  await watcher.page.reload();
  await expect(lane(watcher.page, 'Closed').locator('li.tcard', { hasText: m })).toBeVisible();

  await visitor.ctx.close();
  await desk.ctx.close();
  await watcher.ctx.close();
});

// Merging a duplicate: the same person wrote twice from two browsers; the
// agent merges the second ticket into the first, and that visitor is told
// where the request goes on.
test('merging a duplicate ticket closes it with a pointer and tells its requester', async ({ browser }, info) => {
  const first = marker('refund please');
  const second = marker('refund again');
  const one = await openVisitor(browser);
  const two = await openVisitor(browser);
  for (const [v, text] of [
    [one, first],
    [two, second],
  ] as const) {
    await v.launcher.click();
    await v.input.fill(text);
    await v.input.press('Enter');
    await expect(v.messages.filter({ hasText: text }).locator('.meta')).toContainText(/Sent|Seen/);
  }
  const desk = await openDesk(browser);
  for (const text of [first, second]) {
    await desk.openConversation(text);
    await desk.page.getByRole('toolbar', { name: 'Conversation actions' }).getByRole('button', { name: 'Pick up' }).click();
    await desk.page.getByRole('button', { name: 'Make a ticket' }).click();
    await expect(desk.page.getByRole('button', { name: 'Make a ticket' })).toHaveCount(0);
  }
  await desk.page.goto('/#/boards');
  await desk.page.locator('li.tcard', { hasText: first }).getByRole('button', { name: first }).click();
  const merge = desk.page.getByRole('form', { name: 'Merge a duplicate' });
  await merge.getByLabel('Merge a duplicate into this one').selectOption({ label: second });
  await merge.getByRole('button', { name: 'Merge' }).click();
  await expect(two.widget.getByText('This request was joined with')).toBeVisible();
  await expect(desk.page.locator('ol.drawer-history')).toContainText(`merged “${second}” into it`);
  const closedLane = desk.page.getByRole('region', { name: /^Closed / });
  await expect(closedLane.locator('li.tcard', { hasText: second })).toBeVisible();
  await shot(desk.page, 'desk-board-merge', info);
  await desk.page.getByRole('button', { name: 'Close', exact: true }).click();
  await closedLane.locator('li.tcard', { hasText: second }).getByRole('button', { name: second }).click();
  await expect(desk.page.getByText('Merged into another ticket.')).toBeVisible();
  await desk.page.getByRole('button', { name: 'Open it' }).click();
  await expect(desk.page.locator('#drawer-title')).toHaveText(first);

  // Board settings (owners and admins): a column renamed shows at once; one
  // that holds an open ticket stays.
  await desk.page.getByRole('button', { name: 'Close', exact: true }).click();
  const settings = desk.page.locator('details.board-settings');
  await settings.locator('summary').click();
  const waiting = settings.getByRole('form', { name: 'Column Waiting' });
  await waiting.getByLabel('Column name').fill('On hold');
  await waiting.getByRole('button', { name: 'Save' }).click();
  await expect(desk.page.getByRole('region', { name: /^On hold / })).toBeVisible();
  await settings.getByRole('form', { name: 'Column In progress' }).getByRole('button', { name: 'Archive' }).click();
  await expect(settings.getByRole('alert')).toContainText('holds open tickets');
  await shot(desk.page, 'desk-board-settings', info);
  await axe(desk.page, "a board's settings");
  const onHold = settings.getByRole('form', { name: 'Column On hold' });
  await onHold.getByLabel('Column name').fill('Waiting');
  await onHold.getByRole('button', { name: 'Save' }).click();
  await expect(desk.page.getByRole('region', { name: /^Waiting / })).toBeVisible();

  // Columns are reordered from the settings: Resolved moves left of
  // Waiting, and back.
  const lanes = desk.page.locator('.kanban section.lane h2');
  const column = async (name: string) => {
    if ((await settings.getAttribute('open')) === null) await settings.locator('summary').click();
    return settings.getByRole('form', { name: `Column ${name}` });
  };
  await (await column('Resolved')).getByRole('button', { name: 'Move Resolved left' }).click();
  await expect(lanes.nth(2)).toContainText('Resolved');
  await expect(lanes.nth(3)).toContainText('Waiting');
  await (await column('Resolved')).getByRole('button', { name: 'Move Resolved right' }).click();
  await expect(lanes.nth(2)).toContainText('Waiting');
  await expect(lanes.nth(3)).toContainText('Resolved');

  await one.ctx.close();
  await two.ctx.close();
  await desk.ctx.close();
});

// A ticket made on the board, with no chat: a second desk sees it arrive,
// and a chat the agent holds is linked to it from its drawer, which makes
// that chat the ticket's.
test('a ticket made on the board shows on a second desk, and a chat is linked to it', async ({ browser }, info) => {
  const m = marker('export fails');
  const said = marker('my export');
  const { visitor, desk } = await pickedUpChat(browser, said);
  await expect(desk.page.getByRole('button', { name: 'Make a ticket' })).toBeVisible();

  const watcher = await openDesk(browser);
  await watcher.page.goto('/#/boards');
  await desk.page.goto('/#/boards');
  const lane = (page: typeof desk.page, name: string) => page.getByRole('region', { name: new RegExp(`^${name} `) });
  await lane(desk.page, 'Waiting').getByRole('button', { name: /New ticket/ }).click();
  const form = desk.page.getByRole('form', { name: 'New ticket in Waiting' });
  await form.getByRole('button', { name: 'Make ticket' }).click(); // no subject: the browser asks for one
  await expect(form).toBeVisible();
  await form.getByLabel('Subject').fill(m);
  await form.getByLabel('Priority').selectOption('high');
  await form.getByLabel('Assign to me').check();
  await shot(desk.page, 'desk-board-new-ticket', info);
  await form.getByRole('button', { name: 'Make ticket' }).click();
  await expect(form).toHaveCount(0);
  const card = (page: typeof desk.page) => lane(page, 'Waiting').locator('li.tcard', { hasText: m });
  await expect(card(desk.page)).toBeVisible();
  await expect(card(watcher.page)).toBeVisible();
  await expect(card(watcher.page).locator('.pill', { hasText: 'high' })).toBeVisible();
  // Filtered by due date and department on the second desk.
  await watcher.page.getByLabel('Due').selectOption('overdue');
  await expect(card(watcher.page)).toHaveCount(0);
  await watcher.page.getByLabel('Due').selectOption('none');
  await expect(card(watcher.page)).toHaveCount(1);
  await watcher.page.getByLabel('Department').selectOption('none');
  await expect(card(watcher.page)).toHaveCount(1);
  await watcher.page.getByLabel('Department').selectOption('');

  await card(desk.page).getByRole('button', { name: m }).click();
  const drawer = desk.page.locator('aside.drawer');
  await expect(drawer).toContainText('no chat yet');
  await expect(drawer.locator('ol.drawer-history')).toContainText('made it on the board');
  await expect(desk.page.getByRole('heading', { name: 'Chats (0)' })).toBeVisible();
  const link = desk.page.getByRole('form', { name: 'Link a chat' });
  await expect(link.getByLabel('Link one of your chats')).toContainText(said);
  await link.getByRole('button', { name: 'Link' }).click();
  await expect(desk.page.getByRole('heading', { name: 'Chats (1)' })).toBeVisible();
  await expect(drawer.getByRole('button', { name: 'open the chat' })).toBeVisible();
  await expect(drawer.locator('ol.drawer-history')).toContainText('added a chat to it');
  await shot(desk.page, 'desk-board-linked', info);

  // A requester, found by name among the contacts.
  const who = marker('Rita');
  const made = await desk.page.request.post(`${deskURL}/api/v1/contacts`, { data: { name: who, email: `${who}@example.com` } });
  expect(made.status()).toBe(201);
  await drawer.getByRole('button', { name: 'Name a requester' }).click();
  await drawer.getByLabel('Requester').fill(who);
  await expect(drawer.getByRole('list', { name: 'Matching contacts' })).toBeVisible();
  await shot(desk.page, 'desk-board-requester', info);
  await drawer.getByRole('list', { name: 'Matching contacts' }).getByRole('button', { name: new RegExp(who) }).click();
  await expect(drawer.locator('ol.drawer-history')).toContainText('changed requester');
  await expect(card(watcher.page)).toContainText(who);

  await visitor.ctx.close();
  await desk.ctx.close();
  await watcher.ctx.close();
});
