// GET / and GET /v1: a small JSON index for someone who opens the server in a browser or curls it first — what runs
// here and where to go next. Pointers only: no credential values (the defaults are printed at start and documented).

import type { RequestHandler } from 'express';
import { ADMIN_PREFIX } from '../admin/admin-api.js';
import { packageInfo } from '../support/package-info.js';
import type { Profile } from '../support/settings.js';

export const INDEX_PATHS = ['/', '/v1', '/v1/'];

export function serviceIndex(options: { profile: Profile; admin: boolean }): RequestHandler {
  return (_req, res) => {
    res.type('application/json; charset=utf-8').send(
      JSON.stringify({
        name: 'flexfactor-mock',
        description: 'A local mock of the FlexFactor Core API v1',
        version: packageInfo().version,
        profile: options.profile,
        api: { base: '/v1', token: 'POST /v1/oauth2/token', contract: 'contracts/openapi.yaml' },
        admin: options.admin
          ? { base: ADMIN_PREFIX, health: `GET ${ADMIN_PREFIX}/health`, contract: 'contracts/admin.yaml' }
          : null,
        credentials:
          'The default sandbox merchant (AppKey, AppSecret, MID, tokenization key) is printed when the server starts ' +
          'and listed in the README, "Credentials"; --merchants adds accounts.',
        docs: 'README.md and docs/ in the package (node_modules/flexfactor-mock/docs/)',
      }),
    );
  };
}
