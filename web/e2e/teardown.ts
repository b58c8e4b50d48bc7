import { rmSync } from 'node:fs';

/** Removes the servers' temporary data directories. */
export default function teardown(): void {
  for (const dir of [process.env.LIVEDESK_E2E_DATA, process.env.LIVEDESK_E2E_TEAM_DATA]) {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
