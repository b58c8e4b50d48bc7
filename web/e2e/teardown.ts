import { rmSync } from 'node:fs';

/** Removes the server's temporary data directory. */
export default function teardown(): void {
  const dir = process.env.LIVEDESK_E2E_DATA;
  if (dir) rmSync(dir, { recursive: true, force: true });
}
