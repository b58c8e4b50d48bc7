// axe-core on a page as it is, for every spec that shows a screen
// (issue 22): critical or serious WCAG 2.0/2.1/2.2 A or AA violations,
// and the page-outline rules below, fail (softly, so every screen of a
// test is reported).
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
/**
 * Axe's best-practice rules for a page's outline, run besides the WCAG
 * tags and failing at any impact: one h1, headings in order, landmarks
 * that are unique (named when there are several) and at the top level.
 */
const STRUCTURE = [
  'page-has-heading-one',
  'heading-order',
  'landmark-unique',
  'landmark-one-main',
  'landmark-no-duplicate-banner',
  'landmark-no-duplicate-main',
  'landmark-banner-is-top-level',
  'landmark-main-is-top-level',
  'landmark-complementary-is-top-level',
];

/**
 * Runs axe on the page as it is (open shadow roots included: the widget's)
 * and fails, softly so that every screen of a test is reported, on each
 * critical or serious violation and each outline one, naming its rule,
 * impact and elements.
 */
export async function axe(page: Page, screen: string, shadowHost?: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(TAGS)
    .options({ rules: Object.fromEntries(STRUCTURE.map((r) => [r, { enabled: true }])) })
    .analyze();
  if (shadowHost) {
    // Axe names an element in a shadow root by a path: [host, inside].
    const reached = [...results.passes, ...results.violations, ...results.incomplete].some((r) =>
      r.nodes.some((n) => n.target.some((t) => Array.isArray(t) && String(t[0]).includes(shadowHost))),
    );
    expect.soft(reached, `axe checked inside <${shadowHost}> on ${screen}`).toBe(true);
  }
  const { violations } = results;
  const bad = violations.filter((v) => v.impact === 'critical' || v.impact === 'serious' || STRUCTURE.includes(v.id));
  const report = bad
    .map((v) => {
      const nodes = v.nodes.map((n) => {
        const where = n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' | ');
        return `    ${where}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n\s*/g, ' ')}` : ''}`;
      });
      return `  ${v.id} (${v.impact}): ${v.help}\n${nodes.join('\n')}`;
    })
    .join('\n');
  expect.soft(report, `axe on ${screen}:\n${report}`).toBe('');
}

