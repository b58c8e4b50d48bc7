import { type Browser, expect, type TestInfo, test } from '@playwright/test';
import { demoURL, deskURL, marker, openDesk, shot, watchedPage, widgetHelpers } from './fixtures';

// The out-of-hours flow end to end (issue 12): a visitor writes while the
// site is closed, answers YES, leaves two messages and //end; an agent
// quick-accepts the ticket, answers with Start Chat; the visitor sees the
// answer when they come back.
//
// The demo site is closed for the length of the test (open one hour on
// another weekday) and opened again after it: the specs run one at a time.
test('a message left out of hours is answered from the ticket queue and waits for the visitor', async ({ browser }, info) => {
  test.setTimeout(180_000);
  const m = marker('Night');
  const desk = await openDesk(browser);
  const api = desk.ctx.request;
  const sites = (await (await api.get(`${deskURL}/api/v1/sites`)).json()) as { items: { id: string; created_at: string; business_hours: unknown }[] };
  const demo = [...sites.items].sort((a, b) => (a.created_at < b.created_at ? -1 : 1))[0];
  const otherDay = (new Date().getUTCDay() + 3) % 7;
  const closed = await api.patch(`${deskURL}/api/v1/sites/${demo.id}`, {
    data: {
      business_hours: {
        time_zone: 'UTC',
        days: [{ weekday: otherDay, open: '09:00', close: '10:00' }],
        closed_message: `Closed for the night (${m}).`,
        ask_contact: true,
      },
    },
  });
  expect(closed.status()).toBe(200);
  try {
    await outOfHours(browser, desk, m, info);
  } finally {
    await api.patch(`${deskURL}/api/v1/sites/${demo.id}`, { data: { business_hours: demo.business_hours } });
    await desk.ctx.close();
  }
});

async function outOfHours(browser: Browser, desk: Desk, m: string, info: TestInfo) {
  const api = desk.ctx.request;
  const visitorCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const { page: visitorPage } = await watchedPage(visitorCtx);
  await visitorPage.goto(demoURL);
  const widget = widgetHelpers(visitorPage.locator('livedesk-widget'));
  const say = async (text: string) => {
    await widget.input.fill(text);
    await widget.input.press('Enter');
    const mine = visitorPage.locator('livedesk-widget').locator('li.msg.mine', { hasText: text });
    await expect(mine.last().locator('.meta')).toContainText(/Sent|Seen/);
  };

  await widget.launcher.click();
  // Out of hours the widget first asks where the answer can reach the visitor.
  const form = visitorPage.locator('livedesk-widget').locator('form.contact');
  await expect(form).toContainText('We are away right now');
  await shot(visitorPage, 'widget-offline-form', info);
  await form.getByRole('textbox', { name: 'Name' }).fill('Ann Night');
  await form.getByRole('textbox', { name: 'E-mail' }).fill('ann.night@example.com');
  await form.getByRole('button', { name: 'Continue' }).click();
  await expect(form).toHaveCount(0);
  await say('Hello, is anyone there?');
  await expect(widget.theirs.filter({ hasText: `Closed for the night (${m}).` })).toHaveCount(1);
  await expect(widget.theirs.filter({ hasText: 'Please respond with YES or NO' })).toHaveCount(1);
  await say('yes');
  await expect(widget.theirs.filter({ hasText: 'please write your message' })).toHaveCount(1);
  await say(`${m}: my parcel arrived damaged`);
  await say('Order 4417, the box was crushed.');
  await say('//end');
  await expect(widget.theirs.filter({ hasText: 'we have your message' })).toHaveCount(1);
  await shot(visitorPage, 'widget-out-of-hours', info);
  // The visitor leaves.
  await visitorPage.close();

  // The ticket is in the unassigned queue, live, with the first message it kept.
  await desk.page.getByRole('button', { name: 'Tickets' }).click();
  const ticket = desk.page.locator('.ticket', { hasText: m });
  await expect(ticket).toHaveCount(1);
  await expect(ticket).toContainText('Out of hours');
  await expect(ticket).toContainText('Ann Night · ann.night@example.com');
  // No mail server is set on this server: the desk says answers wait in the widget.
  await expect(desk.page.getByRole('status').filter({ hasText: 'No mail server is set' })).toBeVisible();
  // It is not a live chat: the Live queue does not show it.
  const waiting = await api.get(`${deskURL}/api/v1/tickets?queue=unassigned`);
  const { unassigned } = (await waiting.json()) as { unassigned: number };
  expect(unassigned).toBeGreaterThanOrEqual(1);
  await shot(desk.page, 'desk-tickets-unassigned', info);

  // Quick accept: the oldest N, N being every waiting ticket (others may
  // be waiting on this shared server; ours is among them).
  await desk.page.getByRole('spinbutton', { name: 'How many of the oldest to accept' }).fill(String(unassigned));
  await desk.page.getByRole('button', { name: 'Accept oldest' }).click();
  await expect(ticket).toHaveCount(0);
  await desk.page.getByRole('link', { name: 'Assigned to me' }).click();
  await expect(ticket).toHaveCount(1);
  await shot(desk.page, 'desk-tickets-assigned', info);

  // A supervisor (the owner is one) hands it back to the queue; accepted again, it is mine.
  await ticket.getByRole('combobox', { name: /Assign the ticket of/ }).selectOption({ label: 'Unassigned' });
  await expect(ticket).toHaveCount(0);
  await desk.page.getByRole('link', { name: 'Unassigned' }).click();
  await ticket.getByRole('button', { name: 'Accept', exact: true }).click();
  await expect(ticket).toHaveCount(0);
  await desk.page.getByRole('link', { name: 'Assigned to me' }).click();
  await expect(ticket).toHaveCount(1);

  // Start Chat: the ticket's conversation opens as the agent's chat, with
  // everything the visitor left.
  await ticket.getByRole('button', { name: 'Start Chat' }).click();
  await expect(desk.page.locator('.pane-head h1')).toBeVisible();
  await expect(desk.history.filter({ hasText: 'Order 4417, the box was crushed.' })).toHaveCount(1);
  await desk.composer.fill('Sorry about that! A new one ships today.');
  await desk.composer.press('Enter');
  await expect(desk.history.filter({ hasText: 'A new one ships today.' }).locator('.delivery')).toHaveText(/Sent|Seen/);

  // The visitor comes back to the site: the answer waits, unread.
  const back = await visitorCtx.newPage();
  await back.goto(demoURL);
  const again = widgetHelpers(back.locator('livedesk-widget'));
  await expect(again.launcher).toHaveAttribute('aria-label', /1 unread/);
  await again.launcher.click();
  await expect(again.theirs.filter({ hasText: 'A new one ships today.' })).toHaveCount(1);
  await shot(back, 'widget-ticket-answer', info);

  // The agent closes the ticket; it moves to Closed.
  await desk.page.getByRole('button', { name: 'Tickets' }).click();
  await desk.page.getByRole('link', { name: 'Assigned to me' }).click();
  await ticket.getByRole('button', { name: 'Close' }).click();
  await expect(ticket).toHaveCount(0);
  await desk.page.getByRole('link', { name: 'Closed' }).click();
  await expect(ticket).toHaveCount(1);

  await visitorCtx.close();
}

type Desk = Awaited<ReturnType<typeof openDesk>>;
