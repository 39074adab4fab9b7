// `flexfactor-mock/webhooks`: what a webhook receiver needs (verify a delivery's signature; sign one in a test),
// importable without loading the mock server.

export { WEBHOOK_EVENTS, type WebhookEventName, type WebhookPayload } from './events.js';
export {
  type SignedHeaders,
  type SignWebhookInput,
  signWebhook,
  type VerifyWebhookInput,
  type VerifyWebhookResult,
  verifyWebhookSignature,
} from './signature.js';
