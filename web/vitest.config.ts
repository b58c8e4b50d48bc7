import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'widget/**/*.test.ts', 'desk/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
  },
});
