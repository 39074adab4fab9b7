// Preloaded with `--import` (after tsx): @pactflow/openapi-pact-comparator resolves as not installed, the
// ERR_MODULE_NOT_FOUND a project gets when it installed Pact alone. This repository has the comparator installed, so
// a run without it needs this hook.

import { register } from 'node:module';

const hook = `
const hidden = '@pactflow/openapi-pact-comparator';
export async function resolve(specifier, context, next) {
  if (specifier === hidden || specifier.startsWith(hidden + '/')) {
    const error = new Error("Cannot find package '" + hidden + "' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}
`;

register(`data:text/javascript,${encodeURIComponent(hook)}`);
