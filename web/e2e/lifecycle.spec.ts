import { expect, type Page, test } from '@playwright/test';
import { deskURL, marker, openDesk, openVisitor, shot } from './fixtures';

/** The queue row of the conversation whose last visitor text carries m. */
const row = (page: Page, m: string) => page.locator('#queue .conv-row', { hasText: m });
const tab = (page: Page, name: string) => page.getByRole('tab', { name: new RegExp(`^${name}`) });

/** Shows a queue tab and checks the conversation is in it, and not in the others. */
async function expectInTab(page: Page, m: string, name: 'Live' | 'Pending' | 'Snoozed' | 'Closed') {
  for (const other of ['Live', 'Pending', 'Snoozed', 'Closed'] as const) {
    if (other === name) continue;
    await tab(page, other).click();
    await expect(row(page, m)).toHaveCount(0);
  }
  await tab(page, name).click();
  await expect(row(page, m)).toHaveCount(1);
}

/** Creates an agent through the REST API, signed in as the owner. */
async function createAgent(page: Page, name: string) {
  const email = `${marker('agent')}@livedesk.local`;
  const password = 'a second agent password';
  const res = await page.request.post(`${deskURL}/api/v1/agents`, { data: { email, name, role: 'agent', password } });
  expect(res.status()).toBe(201);
  const body = (await res.json()) as { agent: { id: string } };
  return { id: body.agent.id, email, password, name };
}

test('pending, snooze, transfer with a note, and close with a wrap-up, live on every desk', async ({ browser }, info) => {
  test.setTimeout(180_000); // three browser contexts on a small machine
  const m = marker('Lifecycle');
  const visitor = await openVisitor(browser);
  await visitor.launcher.click();
  await visitor.input.fill(`${m}: my order never arrived`);
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: m }).locator('.meta')).toContainText(/Sent|Seen/);

  const owner = await openDesk(browser);
  // The owner goes offline, so a transfer to them is refused for an agent.
  await owner.page.getByRole('radio', { name: 'Offline' }).click();
  await expect(owner.page.getByRole('radio', { name: 'Offline' })).toHaveAttribute('aria-checked', 'true');
  const second = await createAgent(owner.page, `Bo ${m.slice(-4)}`);
  const bo = await openDesk(browser, undefined, second);
  // The owner's desk loads the agent list after the agent exists.
  await owner.page.reload();
  await expect(owner.page.locator('.health')).toHaveText('Connected');

  await owner.openConversation(m);
  await expect(owner.page.locator('.pane-head h1')).toContainText('Visitor');
  const actions = owner.page.getByRole('toolbar', { name: 'Conversation actions' });

  // Pending: the chat leaves Live for Pending, on this desk and on Bo's.
  await actions.getByRole('button', { name: 'Mark pending' }).click();
  await expect(owner.page.locator('.pane-head .status-pill')).toHaveText('Pending');
  await expectInTab(owner.page, m, 'Pending');
  await expectInTab(bo.page, m, 'Pending');
  await expect(owner.page.locator('.history li.sys', { hasText: 'marked the conversation pending' })).toHaveCount(1);
  await shot(owner.page, 'desk-pending', info);

  // The visitor writes: back to Live.
  await visitor.input.fill(`${m}: hello? still there?`);
  await visitor.input.press('Enter');
  await expect(owner.page.locator('.pane-head .status-pill')).toHaveText('Live');
  await expectInTab(owner.page, m, 'Live');
  await expectInTab(bo.page, m, 'Live');

  // Snooze for an hour: to Snoozed.
  await actions.getByRole('button', { name: 'Snooze' }).click();
  await owner.page.getByRole('menuitem', { name: /In 1 hour/ }).click();
  await expect(owner.page.locator('.pane-head .status-pill')).toContainText('Snoozed until');
  await expectInTab(owner.page, m, 'Snoozed');
  await expectInTab(bo.page, m, 'Snoozed');
  await expect(owner.page.locator('.history li.sys', { hasText: 'snoozed the conversation until' })).toHaveCount(1);

  // Reopen, then flag it.
  await actions.getByRole('button', { name: 'Reopen' }).click();
  await expect(owner.page.locator('.pane-head .status-pill')).toHaveText('Live');
  await expectInTab(owner.page, m, 'Live');
  await actions.getByRole('button', { name: 'Flag' }).click();
  await expect(actions.getByRole('button', { name: 'Flagged' })).toHaveAttribute('aria-pressed', 'true');
  await expect(row(owner.page, m).getByRole('img', { name: 'Flagged' })).toBeVisible();
  await expectInTab(bo.page, m, 'Live');
  await expect(row(bo.page, m).getByRole('img', { name: 'Flagged' })).toBeVisible();

  // Transfer to Bo with an internal note; Bo's desk sees it arrive.
  const note = `Internal ${m}: VIP customer, refund approved`;
  await actions.getByRole('button', { name: 'Transfer' }).click();
  const dialog = owner.page.getByRole('dialog', { name: 'Transfer chat' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('combobox').selectOption(second.id);
  await dialog.getByLabel(/Internal note/).fill(note);
  await shot(owner.page, 'desk-transfer', info);
  await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await expect(dialog).toHaveCount(0);
  await expect(owner.page.locator('.pane-head')).toContainText(`Assigned to ${second.name}`);
  await expect(owner.page.locator('.history li.sys.note', { hasText: note })).toContainText('Internal note');

  await tab(bo.page, 'Live').click();
  await expect(row(bo.page, m).locator('.tag.assignee')).toHaveText('You');
  await expect(bo.page.locator('.toast', { hasText: 'Chat assigned to you' })).toBeVisible();
  await bo.openConversation(m);
  await expect(bo.page.locator('.history li.sys.note', { hasText: note })).toContainText(`transferred the conversation to ${second.name}`);

  // An agent cannot hand a chat to an offline agent: the dialog says so.
  const boActions = bo.page.getByRole('toolbar', { name: 'Conversation actions' });
  await boActions.getByRole('button', { name: 'Transfer' }).click();
  const boDialog = bo.page.getByRole('dialog', { name: 'Transfer chat' });
  const ownerId = ((await (await owner.ctx.request.get('/api/v1/me')).json()) as { agent: { id: string } }).agent.id;
  await boDialog.getByRole('combobox').selectOption(ownerId);
  await boDialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await expect(boDialog.getByRole('alert')).toHaveText(/offline and cannot take chats/);
  await boDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(boDialog).toHaveCount(0);

  // Bo closes the chat and fills in the wrap-up.
  await boActions.getByRole('button', { name: 'Close' }).click();
  const wrapup = bo.page.getByRole('form', { name: 'Wrap-up' });
  await expect(wrapup).toBeVisible();
  const notes = `Wrap ${m}: refund sent, customer happy`;
  await wrapup.getByLabel('Notes').fill(notes);
  await wrapup.getByLabel(/Outcome tags/).fill('Resolved, Refund');
  await expect(wrapup.locator('.tag.outcome')).toHaveText(['resolved', 'refund']);
  await shot(bo.page, 'desk-wrapup', info);
  await wrapup.getByRole('button', { name: 'Save wrap-up' }).click();
  await expect(wrapup).toHaveCount(0);
  const stored = bo.page.locator('.history li.sys.note', { hasText: notes });
  await expect(stored).toContainText(`Wrap-up by ${second.name}`);
  await expect(stored.locator('.tag.outcome')).toHaveText(['resolved', 'refund']);

  // The owner sees it closed by Bo, in history too; "Closed by me" hides it.
  await expect(owner.page.locator('.pane-head .status-pill')).toHaveText('Closed');
  await expect(owner.page.locator('.history li.sys.note', { hasText: notes })).toBeVisible();
  await expectInTab(owner.page, m, 'Closed');
  await expect(row(owner.page, m).locator('.tag.closed-by')).toHaveText(`Closed by ${second.name}`);
  await shot(owner.page, 'desk-closed', info);
  await owner.page.getByLabel('Closed by me').check();
  await expect(row(owner.page, m)).toHaveCount(0);
  await owner.page.getByLabel('Closed by me').uncheck();
  await expect(row(owner.page, m)).toHaveCount(1);

  // The visitor: the chat ended, no internal text, and a new chat on offer.
  await expect(visitor.widget.locator('.ended')).toContainText('This chat has ended');
  await expect(visitor.widget.locator('li.system', { hasText: 'closed the conversation' })).toHaveCount(1);
  await expect(visitor.widget).not.toContainText(note);
  await expect(visitor.widget).not.toContainText(notes);
  await expect(visitor.widget).not.toContainText('Wrap-up');
  await expect(visitor.widget).not.toContainText('transferred');
  await expect(visitor.messages).toHaveCount(2);
  await visitor.widget.getByRole('button', { name: 'Start a new chat' }).click();
  await expect(visitor.messages).toHaveCount(0);
  await expect(visitor.input).toBeFocused();

  for (const d of [owner, bo]) {
    expect(d.cspViolations).toEqual([]);
    expect(d.dialogs).toEqual([]);
  }
  expect(visitor.cspViolations).toEqual([]);
  await owner.page.getByRole('radio', { name: 'Online' }).click();
  await expect(owner.page.getByRole('radio', { name: 'Online' })).toHaveAttribute('aria-checked', 'true');
  for (const c of [visitor.ctx, owner.ctx, bo.ctx]) await c.close();
});

test('a visitor ends the chat from the widget; the desk shows "closed by visitor"', async ({ browser }) => {
  const m = marker('Visitor ends');
  const visitor = await openVisitor(browser);
  await visitor.launcher.click();
  await visitor.input.fill(`${m}: thanks, that was all`);
  await visitor.input.press('Enter');
  await expect(visitor.messages.filter({ hasText: m }).locator('.meta')).toContainText(/Sent|Seen/);
  const desk = await openDesk(browser);
  await expect(row(desk.page, m)).toHaveCount(1);

  await visitor.widget.getByRole('button', { name: 'End chat' }).click();
  await visitor.widget.getByRole('alertdialog', { name: 'End this chat?' }).getByRole('button', { name: 'End chat' }).click();
  await expect(visitor.widget.locator('.ended')).toContainText('This chat has ended');
  await expect(visitor.widget.locator('li.system')).toContainText(['You ended the conversation']);
  await expect(visitor.widget.getByRole('button', { name: 'End chat' })).toHaveCount(0);

  await expectInTab(desk.page, m, 'Closed');
  await expect(row(desk.page, m).locator('.tag.closed-by')).toHaveText('Closed by visitor');
  await visitor.ctx.close();
  await desk.ctx.close();
});

test('workspace preferences: owners edit them with per-field errors; agents only read them', async ({ browser }, info) => {
  const owner = await openDesk(browser);
  await owner.page.getByRole('button', { name: 'Settings' }).click();
  await expect(owner.page.getByRole('heading', { name: 'Workspace preferences' })).toBeVisible();
  const ttl = owner.page.getByLabel('Visitor presence lasts');
  await expect(ttl).toHaveValue(/^\d+$/);
  const before = await ttl.inputValue();
  await ttl.fill('5');
  await owner.page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(owner.page.locator('.pref.invalid')).toHaveCount(1);
  await expect(owner.page.locator('.pref.invalid .field-error')).toHaveText('Out of range: use 15 to 3600 seconds.');
  await expect(ttl).toHaveAttribute('aria-invalid', 'true');
  await shot(owner.page, 'desk-preferences', info);
  await ttl.fill(before);
  await owner.page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(owner.page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await expect(owner.page.locator('.pref.invalid')).toHaveCount(0);
  // The kinds of file: none is refused here; one more is kept across a reload.
  const kinds = owner.page.getByRole('group', { name: 'Kinds of file that may be attached' });
  const checked = kinds.getByRole('checkbox', { checked: true });
  const defaults = await checked.count();
  expect(defaults).toBe(4);
  for (let i = 0; i < defaults; i++) await checked.first().uncheck();
  await owner.page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(kinds.getByRole('alert')).toHaveText('Pick at least one kind, or turn attachments off above.');
  await owner.page.reload();
  await expect(checked).toHaveCount(4);
  await kinds.getByLabel('ZIP archives').check();
  await owner.page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(owner.page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await owner.page.reload();
  await expect(kinds.getByLabel('ZIP archives')).toBeChecked();
  await kinds.scrollIntoViewIfNeeded();
  await shot(owner.page, 'desk-preferences-files', info);
  await kinds.getByLabel('ZIP archives').uncheck();
  // The time zone analytics count in: kept across a reload, then back to UTC.
  await owner.page.getByLabel('Time zone').selectOption('Europe/Berlin');
  await owner.page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(owner.page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await owner.page.reload();
  await expect(owner.page.getByLabel('Time zone')).toHaveValue('Europe/Berlin');
  await owner.page.getByLabel('Time zone').selectOption('UTC');
  await owner.page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(owner.page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  await owner.page.getByRole('button', { name: '← Back to conversations' }).click();
  await expect(owner.page.locator('#queue')).toBeVisible();

  const agent = await createAgent(owner.page, 'Reader');
  const reader = await openDesk(browser, undefined, agent);
  await reader.page.getByRole('button', { name: 'Settings' }).click();
  await expect(reader.page.getByRole('note')).toContainText('Only owners and admins can change these');
  await expect(reader.page.getByLabel('Close pending chats after')).toBeDisabled();
  await expect(reader.page.getByRole('button', { name: 'Save preferences' })).toHaveCount(0);
  await owner.ctx.close();
  await reader.ctx.close();
});
