import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// The server under test: `go run ./cmd/livedesk` on a fixed port with a
// fresh data directory, so every run starts from a first start. The desk
// is opened at 127.0.0.1 and the demo page at localhost: two origins, so
// the widget runs cross-origin as it does on customers' sites.
const port = Number(process.env.LIVEDESK_E2E_PORT ?? 18420);
process.env.LIVEDESK_E2E_PORT = String(port);
process.env.LIVEDESK_E2E_DATA ??= mkdtempSync(join(tmpdir(), 'livedesk-e2e-'));
process.env.LIVEDESK_E2E_PASSWORD ??= 'e2e password that is long enough';
// A second server, for the walk a new team does (admin.spec.ts): its own
// first start, and agents who close the desk go offline after 2 s, as they
// do after a minute in production. The shared server cannot have that: its
// specs open and close desks, and the owner would go away between them.
process.env.LIVEDESK_E2E_TEAM_PORT = String(port + 1);
process.env.LIVEDESK_E2E_TEAM_DATA ??= mkdtempSync(join(tmpdir(), 'livedesk-e2e-team-'));

// The WhatsApp spec's fake Cloud API (whatsapp.spec.ts) listens here; the
// server sends through it instead of Meta's Graph API.
process.env.LIVEDESK_E2E_WHATSAPP_PORT = String(port + 2);

const serverEnv = {
  LIVEDESK_ADMIN_EMAIL: 'owner@livedesk.local',
  LIVEDESK_ADMIN_PASSWORD: process.env.LIVEDESK_E2E_PASSWORD,
  LIVEDESK_LOG_LEVEL: 'warn',
  // The webhooks spec registers an endpoint on 127.0.0.1.
  LIVEDESK_WEBHOOKS_ALLOW_PRIVATE: '1',
  LIVEDESK_WHATSAPP_API_URL: `http://127.0.0.1:${port + 2}/v24.0`,
};

function server(p: number, dataDir: string, awaySeconds: number) {
  return {
    command: `go run ./cmd/livedesk --addr 127.0.0.1:${p} --data-dir ${dataDir}`,
    cwd: '..',
    url: `http://127.0.0.1:${p}/readyz`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: { ...serverEnv, LIVEDESK_AGENT_AWAY_SECONDS: String(awaySeconds) },
  };
}

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  globalTeardown: './e2e/teardown.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['./e2e/failures.ts']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: [
    // The specs share this server and open and close desks as they go: an
    // agent would go away (no desk for a while) depending on how long the
    // previous spec took, so here nobody does.
    server(port, process.env.LIVEDESK_E2E_DATA, 0),
    server(port + 1, process.env.LIVEDESK_E2E_TEAM_DATA, 2),
  ],
});
