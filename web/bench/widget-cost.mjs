// What the widget costs the page that embeds it (issue 22): its bytes on
// the wire and the main-thread time its scripts take before the host page's
// load event (what moves the host's LCP and TBT) and after it.
//
//   node bench/widget-cost.mjs http://localhost:PORT/demo [runs=15]
//
// Loads the page in headless Chromium `runs` times on a desktop CPU and
// with the CPU slowed 4× (a mid-range phone), each in a fresh context (an
// empty cache: a first visit), with a devtools timeline trace, and prints
// the medians. Script time is the top-level EvaluateScript, v8.compile and
// FunctionCall events of the renderer's main thread whose script comes from
// the widget's origin (the loader's, read from the page's data-site tag).
// Loopback only, like every load tool here.
import { chromium } from '@playwright/test';

const [url, runsArg] = process.argv.slice(2);
if (!url || !/^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(url)) {
  console.error('usage: node bench/widget-cost.mjs http://localhost:PORT/demo [runs] (loopback only)');
  process.exit(2);
}
const runs = Math.min(Math.max(Number(runsArg ?? 15), 1), 50);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

/** One page view: the widget's script time before and after load, in ms, and its transfer. */
async function view(throttle) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const requests = [];
  page.on('requestfinished', (r) => requests.push(r));
  const cdp = await ctx.newCDPSession(page);
  if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'] });
  await page.goto(url, { waitUntil: 'load' });
  // Let the deferred widget start (it waits for the load event and an idle
  // moment) so its cost after load is counted too.
  await page.locator('livedesk-widget').waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForTimeout(1500); // not a test: the trace needs the widget's first work to finish
  const widgetOrigin = await page.evaluate(() => {
    const tag = document.querySelector('script[data-site]');
    return tag ? new URL(tag.getAttribute('src'), location.href).origin : '';
  });
  const transfer = { wire: 0, body: 0 };
  for (const r of requests) {
    if (!r.url().startsWith(widgetOrigin) || !/widget/.test(r.url())) continue;
    const sizes = await r.sizes();
    transfer.wire += sizes.responseBodySize + sizes.responseHeadersSize;
    transfer.body += (await (await r.response())?.body())?.length ?? 0;
  }
  const trace = JSON.parse((await browser.stopTracing()).toString('utf8'));
  await ctx.close();
  return { ...scriptTime(trace.traceEvents, widgetOrigin), ...transfer };
}

/** Sums the widget's top-level script events on the renderer main thread, before and after the load event. */
function scriptTime(events, origin) {
  const main = new Set(
    events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`),
  );
  const load = events.find((e) => e.name === 'MarkLoad' && e.args?.data?.isMainFrame)?.ts;
  const urlOf = (e) => e.args?.data?.url ?? e.args?.fileName ?? e.args?.data?.scriptName ?? '';
  const counted = events
    .filter((e) => e.ph === 'X' && main.has(`${e.pid}:${e.tid}`))
    .filter((e) => ['EvaluateScript', 'v8.compile', 'FunctionCall', 'v8.evaluateModule'].includes(e.name))
    .filter((e) => urlOf(e).startsWith(origin))
    .sort((a, b) => a.ts - b.ts);
  let before = 0;
  let after = 0;
  let end = -1;
  for (const e of counted) {
    if (e.ts < end) continue; // nested in one already counted
    end = e.ts + (e.dur ?? 0);
    if (load !== undefined && e.ts < load) before += e.dur ?? 0;
    else after += e.dur ?? 0;
  }
  return { before: before / 1000, after: after / 1000, loadSeen: load !== undefined };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const throttle of [1, 4]) {
  const all = [];
  for (let i = 0; i < runs; i++) all.push(await view(throttle));
  if (all.some((r) => !r.loadSeen)) console.error('warning: no load event in some traces');
  const f = (k) => median(all.map((r) => r[k])).toFixed(1);
  console.log(
    `MEDIAN cpu=${throttle}x runs=${runs} widget script before load ${f('before')} ms, after load ${f('after')} ms; ` +
      `widget transfer ${median(all.map((r) => r.wire))} B on the wire (${median(all.map((r) => r.body))} B decoded)`,
  );
}
await browser.close();
