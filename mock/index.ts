// The package's public API: build the mock in-process, listen, the test cards, and webhook signature helpers.

export { createApp, type MockApp, type MockOptions, SESSION_HEADER, WARNING_HEADER } from './app.js';
export { ERROR_CATALOG, type ErrorCode, type ProblemBody } from './catalog.js';
export { type ClockOptions, VirtualClock } from './clock.js';
export {
  DEFAULT_ACCOUNTS,
  DEFAULT_MERCHANT,
  DEFAULT_PARTNER,
  type MerchantAccount,
  SECOND_MERCHANT,
} from './credentials.js';
export { ORDER_STATUS, STATUS_NAMES } from './orders.js';
export { OUTCOME_RULES, TEST_CARD_DETAILS, TEST_CARDS, type TestCardName } from './outcomes.js';
export { DEFAULT_HOST, DEFAULT_PORT, listen, type RunningServer } from './server.js';
export { signWebhook, verifyWebhookSignature } from './webhooks/signature.js';
// [index:scenarios]
// [index:journal]
// [index:webhooks]
// [index:start-mock]
