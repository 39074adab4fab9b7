// The package's public API: build the mock in-process, listen, the test cards, and webhook signature helpers.

export { ADMIN_PREFIX } from './admin.js';
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
export {
  type EntryQuery,
  type Har,
  Journal,
  type JournalEntry,
  type RequestEntry,
  type TransitionEntry,
  type WebhookEntry,
  type WebhookRecord,
} from './journal.js';
export { ORDER_STATUS, STATUS_NAMES } from './orders.js';
export { OUTCOME_RULES, TEST_CARD_DETAILS, TEST_CARDS, type TestCardName } from './outcomes.js';
export {
  BUILT_IN_STATES,
  changeProviderState,
  registerProviderStates,
  type StateSetup,
  type StateTable,
} from './provider-states.js';
export { redact, redactHeaders, redactText } from './redact.js';
export {
  checkScenarioFolders,
  SCENARIO_HEADER,
  ScenarioEngine,
  type ScenarioInfo,
  type ScenarioOptions,
  type ScenarioProblem,
} from './scenarios/index.js';
export { DEFAULT_HOST, DEFAULT_PORT, listen, type RunningServer } from './server.js';
export { type MockServer, type StartMockOptions, startMock } from './start-mock.js';
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
