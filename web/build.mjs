// Builds web/dist, which the Go binary embeds:
//   index.html, assets/desk-*.js|css  the desk (a single-page app)
//   assets/widget-*.js                the widget bundle (hashed: cached for good)
//   widget.js                         the loader sites paste (not hashed: no-cache)
// The loader learns the bundle's hashed name at build time. Output depends
// only on the sources: no timestamps, no absolute paths, no source maps
// (the sources are in the repository; maps would triple web/dist).
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = `${here}dist`;

/** Settings every build shares. */
const common = {
  configFile: false,
  logLevel: 'warn',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact', legalComments: 'none' },
};

const buildOptions = { outDir, target: 'es2020', sourcemap: false, reportCompressedSize: false, modulePreload: false };

/** A script bundled into one IIFE file named by name (with [hash] if wanted). */
async function script(entry, name, define = {}) {
  const out = await build({
    ...common,
    root: here,
    define,
    build: {
      ...buildOptions,
      emptyOutDir: false,
      rollupOptions: {
        input: `${here}${entry}`,
        output: { format: 'iife', entryFileNames: name, inlineDynamicImports: true },
      },
    },
  });
  const chunk = out.output.find((o) => o.type === 'chunk' && o.isEntry);
  if (!chunk) throw new Error(`no entry chunk for ${entry}`);
  return chunk.fileName;
}

// 1. The desk. Emptying dist first drops files of earlier builds.
await build({
  ...common,
  root: `${here}desk`,
  base: '/',
  build: {
    ...buildOptions,
    emptyOutDir: true,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/desk-[hash].js',
        chunkFileNames: 'assets/desk-[name]-[hash].js',
        assetFileNames: 'assets/desk-[hash][extname]',
      },
    },
  },
});

// 2. The widget bundle, then 3. the loader that names it.
const bundle = await script('widget/main.tsx', 'assets/widget-[hash].js');
await script('widget/loader.ts', 'widget.js', { __WIDGET_BUNDLE__: JSON.stringify(bundle) });
