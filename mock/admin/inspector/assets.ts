// The inspector's page and its few static files (ui/), served from the installed package with a strict
// Content-Security-Policy. They hold no data: everything the page shows comes from the admin API, with the same
// token and session rules as any other admin call, so the files themselves are public, like a login page.

import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';
import { apiError } from '../../errors/catalog.js';

/** Where the inspector lives, under the admin prefix. */
export const INSPECTOR_PATH = '/ui';

/**
 * Only files of this origin, no inline script or style, no plugins, no framing, no form posts: whatever text a request
 * smuggled into the journal, the page cannot run it, and the page inserts it as text anyway.
 */
export const INSPECTOR_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  type: string;
}

let assets: Map<string, Asset> | undefined;

/**
 * The files of ui/ and of its one level of folders (views/), read once (a few KB), keyed by their path under ui/: a
 * request can only name one of them, never a path.
 */
function loadAssets(): Map<string, Asset> {
  if (assets) return assets;
  const found = new Map<string, Asset>();
  const read = (folder: string): void => {
    const dir = fileURLToPath(new URL(`./ui/${folder}`, import.meta.url));
    for (const item of readdirSync(dir, { withFileTypes: true })) {
      if (item.isDirectory() && folder === '') read(`${item.name}/`);
      const type = TYPES[extname(item.name)];
      if (item.isFile() && type) {
        const name = `${folder}${item.name}`;
        found.set(name, { body: readFileSync(new URL(`./ui/${name}`, import.meta.url)), type });
      }
    }
  };
  read('');
  assets = found;
  return found;
}

/** Headers every inspector answer carries (the page, its files and its event stream). */
export function securityHeaders(res: { setHeader(name: string, value: string): unknown }): void {
  res.setHeader('Content-Security-Policy', INSPECTOR_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/** GET /__admin/ui and GET /__admin/ui/{file}; with a folder ('views/'), GET /__admin/ui/views/{file}. */
export function inspectorFiles(folder = ''): RequestHandler {
  return (req, res) => {
    const file = (req.params as { file?: string }).file;
    // An encoded slash (views%2Fjournal.js) reaches here decoded: a name is one file, never a path.
    const asset = file?.includes('/')
      ? undefined
      : loadAssets().get(file === undefined ? 'index.html' : `${folder}${file}`);
    if (!asset) {
      throw apiError('404100', {
        detail: 'The inspector has no such file: open /__admin/ui.',
      });
    }
    securityHeaders(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.status(200).type(asset.type).send(asset.body);
  };
}
