// The Pact helpers a user imports as `flexfactor-mock/pact`: provider verification (against the mock or a base URL),
// the provider-state handlers, and the pact-vs-OpenAPI check. They need the optional peer @pact-foundation/pact.

export {
  COMPARATOR_PACKAGE,
  COMPARATOR_VERSION,
  checkPactsAgainstSpec,
  loadComparator,
  type SpecFinding,
} from './openapi-check.js';
export {
  type OrderStateParams,
  STATES,
  type StateHandlers,
  type StateTarget,
  stateHandlers,
} from './states.js';
export {
  formatReport,
  type InteractionOutcome,
  runVerifyCommand,
  type VerificationReport,
  type VerifyCommandOptions,
  type VerifyOptions,
  verifyPacts,
} from './verify.js';
