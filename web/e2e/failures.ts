import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

// Prints each failed test's error again, last, in a few lines: CI keeps
// only the tail of a run's output, and the list reporter's details (the
// error first, then long attachment listings) push the error out of it.
export default class Failures implements Reporter {
  private failed: { title: string; error: string }[] = [];

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status === 'passed' || result.status === 'skipped') return;
    const err = result.errors.map((e) => e.message ?? e.value ?? '').join('\n');
    // Colour codes out, the first lines only: what failed, expected and received.
    const plain = err.replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(0, 12).join('\n');
    const at = result.errors.find((e) => e.location)?.location;
    const where = at ? ` (${at.file.split('/').slice(-2).join('/')}:${at.line})` : '';
    this.failed.push({ title: `${test.titlePath().filter(Boolean).join(' › ')} [${result.status}]${where}`, error: plain });
  }

  onEnd(_: FullResult): void {
    if (this.failed.length === 0) return;
    console.log('\nFailures, again:');
    for (const f of this.failed) console.log(`\n✘ ${f.title}\n${f.error}`);
  }
}
