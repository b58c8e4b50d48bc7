import { expect, test } from '@playwright/test';
import { marker, openDesk, openVisitor, shot } from './fixtures';

// A site's widget look and closed days (issue 11, Sites), set by the owner
// in Settings → Sites on the demo site, then seen by a visitor of the demo
// page. The demo site is shared with the other specs: what this spec
// changes is put back at the end, whatever happens.

const amber = '#f59e0b'; // light: the widget must write on it in dark ink
const amberRGB = 'rgb(245, 158, 11)';
const darkInk = 'rgb(23, 32, 51)'; // DARK_INK, web/shared/look.ts
const greeting = 'Welcome to Northwind!\nAsk us about sizes, shipping or returns.';
const team = 'Northwind crew';

interface SiteRecord {
  id: string;
  name: string;
  business_hours: unknown;
  look: unknown;
}

test("an owner sets a site's look and closed days; the visitor's widget follows", async ({ browser }, info) => {
  const desk = await openDesk(browser, { width: 1280, height: 900 });
  const p = desk.page;
  const sites = (await (await desk.ctx.request.get('/api/v1/sites')).json()) as { items: SiteRecord[] };
  const demo = sites.items.find((s) => s.name === 'Demo site');
  expect(demo).toBeDefined();
  const original = demo as SiteRecord;
  const visitor = await openVisitor(browser);
  try {
    await p.getByRole('button', { name: 'Settings' }).click();
    await p.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Sites' }).click();
    await p.getByRole('list', { name: 'Sites' }).getByRole('link', { name: /Demo site/ }).click();
    await expect(p.getByRole('heading', { name: 'Demo site' })).toBeVisible();

    // A bad colour is refused on its own field, and nothing is saved.
    const hex = p.getByLabel('Colour (hex)');
    await hex.fill('#12');
    await p.getByRole('button', { name: 'Save site' }).click();
    await expect(p.locator('#look-color-error')).toContainText('#rrggbb');

    await hex.fill(amber);
    await expect(p.getByLabel('Colour', { exact: true })).toHaveValue(amber);
    await p.getByLabel('Greeting', { exact: true }).fill(greeting);
    await expect(p.locator('.counter')).toHaveText(`${[...greeting].length} / 200`);
    await p.getByRole('radio', { name: 'Show a team name' }).check();
    await p.getByRole('textbox', { name: 'Team name' }).fill(team);
    // The preview follows at once, with dark ink on the light colour.
    const preview = p.getByTestId('look-preview');
    await expect(preview.locator('.lp-launcher')).toHaveCSS('background-color', amberRGB);
    await expect(preview.locator('.lp-head')).toHaveCSS('color', darkInk);
    await expect(preview.locator('.lp-author')).toHaveText(team);

    // A closed day, listed once it is added.
    await p.getByLabel('Closed day to add').fill('2026-12-25');
    await p.getByRole('button', { name: 'Add closed day' }).click();
    await expect(p.getByRole('list', { name: 'Closed days' }).locator('time[datetime="2026-12-25"]')).toHaveCount(1);

    await p.getByRole('button', { name: 'Save site' }).click();
    await expect(p.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
    await expect(p.locator('#look-color-error')).toHaveCount(0);

    // After a reload it is all still there.
    await p.reload();
    await expect(p.getByRole('heading', { name: 'Demo site' })).toBeVisible();
    await expect(p.getByRole('list', { name: 'Closed days' }).locator('time[datetime="2026-12-25"]')).toHaveCount(1);
    await expect(p.getByLabel('Colour (hex)')).toHaveValue(amber);
    await expect(p.getByLabel('Greeting', { exact: true })).toHaveValue(greeting);
    await expect(p.getByRole('textbox', { name: 'Team name' })).toHaveValue(team);
    // The closed days and the look in one screen.
    await p.getByRole('group', { name: 'Closed days' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(p, 'desk-settings-look', info);

    // The visitor: the colour on the launcher, dark ink on it, the greeting.
    await visitor.page.reload(); // the welcome carries the look saved above
    await expect(visitor.launcher).toHaveCSS('background-color', amberRGB);
    await expect(visitor.launcher).toHaveCSS('color', darkInk);
    await visitor.launcher.click();
    await expect(visitor.widget.locator('.greeting')).toHaveText(greeting);
    await expect(visitor.widget.locator('.head')).toHaveCSS('color', darkInk);
    const hello = marker('Do you have the tent in green?');
    await visitor.input.fill(hello);
    await visitor.input.press('Enter');
    await expect(visitor.messages.filter({ hasText: hello }).locator('.bubble')).toHaveCSS('background-color', amberRGB);

    // An agent answers: the visitor sees the team, never the agent's name.
    await p.goto('/');
    await expect(p.locator('.health')).toHaveText('Connected');
    await desk.openConversation(hello);
    await desk.composer.pressSequentially('Yes, ');
    await expect(visitor.typing).toHaveText(`${team} is typing…`);
    await desk.composer.pressSequentially('in green and in sand.');
    await desk.composer.press('Enter');
    const reply = visitor.theirs.filter({ hasText: 'Yes, in green and in sand.' });
    await expect(reply).toHaveCount(1);
    await expect(reply.locator('.author')).toHaveText(team);
    await expect(visitor.widget).not.toContainText('Owner');
    await shot(visitor.page, 'widget-look', info);

    expect(visitor.cspViolations).toEqual([]);
    expect(desk.cspViolations).toEqual([]);
    expect(visitor.dialogs).toEqual([]);
  } finally {
    // Put the demo site back as the other specs expect it.
    const res = await desk.ctx.request.patch(`/api/v1/sites/${original.id}`, {
      data: { business_hours: original.business_hours, look: original.look },
    });
    expect(res.ok()).toBe(true);
    await visitor.ctx.close();
    await desk.ctx.close();
  }
});
