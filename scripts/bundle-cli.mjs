// The last build step: bundle the command line (dist/mock/cli.js, as tsc wrote it) into a few ES modules, so a start
// reads, resolves and compiles a handful of files instead of ~230 (Node's loader was over half of start-up).
// Code splitting keeps what only a subcommand needs (verify and Pact, record, drift) in chunks loaded on demand, and
// packages required at run time through createRequire (yaml, pino, ioredis, faker, ajv) stay outside the bundle.
// The library entry (dist/mock/index.js) is not bundled. Plain JavaScript: it runs right after tsc, in the build.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist') + sep;
const OUT_DIR = join(ROOT, 'dist/mock');

/**
 * Every output file lands in dist/mock/, where the entry was; a module that finds files from its own location
 * (the contract, the inspector's UI, package.json, createRequire) gets the URL its unbundled file had.
 */
const ownLocation = {
  name: 'own-location',
  setup(context) {
    context.onLoad({ filter: /\.js$/ }, ({ path }) => {
      if (!path.startsWith(DIST)) return undefined;
      const source = readFileSync(path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const own = `./${relative(OUT_DIR, path).split(sep).join('/')}`;
      return {
        contents: source.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(own)}, import.meta.url).href`,
        ),
        loader: 'js',
      };
    });
  },
};

/**
 * Dependencies of Express that cost start-up time and serve only some requests: each is loaded by its first use.
 * mime-types builds its maps from mime-db's 200 KB at load (content types are looked up by extension only), iconv-lite
 * decodes bodies in charsets other than UTF-8, qs parses urlencoded bodies and the "extended" query strings the mock
 * does not use; send and serve-static serve files (res.sendFile, express.static), content-disposition and cookie
 * set headers (res.attachment, res.cookie). Each is bundled on its own into dist/mock/cli-vendor/<name>.cjs (outside
 * the chunks, which V8 parses whole at start); a require() of one of them returns a stand-in that requires that file
 * on its first access.
 */
const ON_FIRST_USE = [
  'mime-types',
  'iconv-lite',
  'qs',
  'send',
  'serve-static',
  'content-disposition',
  'cookie',
];
const VENDOR_DIR = 'cli-vendor';

const onFirstUse = {
  name: 'on-first-use',
  setup(context) {
    const names = new RegExp(`^(${ON_FIRST_USE.join('|')})$`);
    const bundled = new Map();
    context.onResolve({ filter: names }, async ({ path, resolveDir, kind, pluginData }) => {
      if (pluginData?.real) return undefined;
      const real = await context.resolve(path, { resolveDir, kind, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      if (bundled.has(path) && bundled.get(path) !== real.path) {
        return { errors: [{ text: `two copies of ${path}: ${bundled.get(path)} and ${real.path}` }] };
      }
      if (!bundled.has(path)) {
        bundled.set(path, real.path);
        await build({
          entryPoints: [real.path],
          outfile: join(OUT_DIR, VENDOR_DIR, `${path}.cjs`),
          bundle: true,
          format: 'cjs',
          platform: 'node',
          target: 'node20',
          logLevel: 'warning',
        });
      }
      return { path, namespace: 'on-first-use' };
    });
    // The stand-in forwards every access (properties, calls, key listing) to the real module.
    context.onLoad({ filter: /.*/, namespace: 'on-first-use' }, ({ path }) => ({
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(`./${VENDOR_DIR}/${path}.cjs`)}));
module.exports = new Proxy(() => {}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  apply: (_, self, args) => load().apply(self, args),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => {
    const descriptor = Object.getOwnPropertyDescriptor(load(), key);
    return descriptor && { ...descriptor, configurable: true };
  },
});`,
      loader: 'js',
    }));
    // Required at run time, relative to the chunk (every chunk is in dist/mock/).
    context.onResolve({ filter: new RegExp(`^\\./${VENDOR_DIR}/`) }, ({ path }) => ({
      path,
      external: true,
    }));
  },
};

await build({
  entryPoints: [join(OUT_DIR, 'cli.js')],
  outdir: OUT_DIR,
  allowOverwrite: true,
  entryNames: '[name]',
  chunkNames: 'cli-[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The optional peers of `verify`: imported only when installed.
  external: ['@pact-foundation/*', '@pactflow/*'],
  // CommonJS code in the bundle (Express and its dependencies) calls require() for Node's own modules.
  banner: {
    js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
  },
  plugins: [ownLocation, onFirstUse],
  logLevel: 'warning',
});

/**
 * V8 keeps each module's source text in the heap for as long as the process runs (functions compile lazily from it),
 * and one character outside ASCII makes it keep the whole text at two bytes a character: 1.3 MB instead of 0.67 MB for
 * the main chunk. esbuild escapes such characters in strings, templates and regular expressions, but copies comments
 * as written, so what is left is in comments, where an escape is only text.
 */
function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  const ascii = text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (ascii !== text) writeFileSync(file, ascii);
}

for (const dir of [OUT_DIR, join(OUT_DIR, VENDOR_DIR)]) {
  for (const name of readdirSync(dir)) {
    if (/^cli.*\.js$|\.cjs$/.test(name)) asciiOnly(join(dir, name));
  }
}
