// Builds web/dist, which the Go binary embeds:
//   index.html, assets/desk-*.js|css  the desk (a single-page app)
//   assets/widget-*.js                the widget bundle (hashed: cached for good)
//   widget.js                         the loader sites paste (not hashed: cached 5 min)
//   X.gz, X.br                        each compressible file precompressed, when
//                                     that saves bytes; the server picks one by
//                                     Accept-Encoding (internal/app/static.go)
// The loader learns the bundle's hashed name at build time. Output depends
// only on the sources: no timestamps, no absolute paths, no source maps
// (the sources are in the repository; maps would triple web/dist).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
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

// 4. Precompress. Step 1 emptied dist, so no .gz/.br of an earlier build's
// hashed names is left behind. Images and fonts are compressed already.
// A variant is kept only when it saves at least 5% of a file over 256 B;
// internal/app's TestEmbeddedAssetsArePrecompressed holds the same rule.
const compressible = /\.(?:js|mjs|css|html|svg|json|txt|xml|map)$/;
const minSize = 256;
const minSaving = 0.05;

/** Every file under dir, as sorted paths (the order is fixed for stable logs). */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((d) => (d.isDirectory() ? files(join(dir, d.name)) : [join(dir, d.name)]));
}

/** gzip at level 9. Node writes no name and mtime 0; the OS byte (9) is set
 * to 255, "unknown", as Go's compress/gzip does, so macOS and Linux builds agree. */
function gzip(body) {
  const out = gzipSync(body, { level: 9 });
  out[9] = 255;
  return out;
}

/** Brotli at quality 11 in text mode, told the input size. */
function brotli(body) {
  return brotliCompressSync(body, {
    params: {
      [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
      [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
      [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
}

for (const file of files(outDir)) {
  if (!compressible.test(file)) continue;
  const body = readFileSync(file);
  if (body.length <= minSize) continue;
  for (const [ext, compress] of [['.gz', gzip], ['.br', brotli]]) {
    const out = compress(body);
    if (out.length <= body.length * (1 - minSaving)) writeFileSync(file + ext, out);
    else console.warn(`build: ${relative(outDir, file)}${ext} would save too little; not written`);
  }
}
