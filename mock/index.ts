// The package's public API: build the mock in-process, listen, the test cards, and webhook signature helpers.

export { ADMIN_PREFIX } from './admin/admin-api.js';
export {
  BUILT_IN_STATES,
  changeProviderState,
  registerProviderStates,
  type StateSetup,
  type StateTable,
} from './admin/provider-states.js';
export {
  DEFAULT_ACCOUNTS,
  DEFAULT_MERCHANT,
  DEFAULT_PARTNER,
  type MerchantAccount,
  SECOND_MERCHANT,
} from './domain/accounts.js';
export { type ClockOptions, VirtualClock } from './domain/clock.js';
export { ORDER_STATUS, STATUS_NAMES } from './domain/order-states.js';
export { OUTCOME_RULES, TEST_CARD_DETAILS, TEST_CARDS, type TestCardName } from './domain/outcomes.js';
export { ApiError, ERROR_CATALOG, type ErrorCode, type ProblemBody } from './errors/catalog.js';
export {
  closeMock,
  createApp,
  type MockApp,
  type MockOptions,
  SESSION_HEADER,
  WARNING_HEADER,
} from './http/app.js';
export { DEFAULT_HOST, DEFAULT_PORT, listen, type RunningServer } from './http/server.js';
export { SESSION_TOKEN_HEADER, SessionAccess } from './http/session-access.js';
export { type MockServer, type StartMockOptions, startMock } from './http/start-mock.js';
export {
  type EntryQuery,
  type Har,
  Journal,
  type JournalEntry,
  type RequestEntry,
  type TransitionEntry,
  type WebhookEntry,
  type WebhookRecord,
} from './journal/journal.js';
export {
  checkScenarioFolders,
  SCENARIO_HEADER,
  ScenarioEngine,
  type ScenarioInfo,
  type ScenarioOptions,
  type ScenarioProblem,
} from './scenarios/index.js';
export { redact, redactHeaders, redactText } from './support/redact.js';
export {
  DEFAULT_RETRY_SCHEDULE_MS,
  DEFAULT_WEBHOOK_CONTENT_TYPE,
  type DeliveryFilter,
  type WebhookAttempt,
  type WebhookAttemptRecord,
  type WebhookDelivery,
  WebhookDispatcher,
  type WebhookOptions,
  type WebhookReceiver,
} from './webhooks/dispatcher.js';
export {
  TRANSITION_EVENTS,
  WEBHOOK_EVENTS,
  type WebhookEventName,
  type WebhookPayload,
} from './webhooks/events.js';
export { signWebhook, verifyWebhookSignature } from './webhooks/signature.js';
