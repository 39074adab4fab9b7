// Webhook message pacts: a consumer that receives FlexFactor webhooks describes each event as a Pact message
// (asynchronous) interaction. The verifier asks for the message by its description; we answer with what the mock
// really sends for that event: an order is driven through the public API on a private mock until the event fires,
// and the delivery (body and x-fc-* signature headers) is caught by a loopback receiver.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_CARDS, type TestCardName } from '../../mock/domain/outcomes.js';
import { type MockServer, startMock } from '../../mock/http/start-mock.js';
import { WEBHOOK_EVENTS, type WebhookEventName } from '../../mock/webhooks/events.js';
import { FlexFactorClient } from '../client/index.js';

export interface WebhookMessage {
  event: WebhookEventName;
  /** The parsed body, exactly as delivered. */
  body: Record<string, unknown>;
  /** The raw body the signature covers. */
  raw: string;
  /** Content type and x-fc-* headers of the delivery. */
  headers: Record<string, string>;
}

/** How to make an order emit each event: card, flow, then what happens to it. */
interface Recipe {
  card: TestCardName;
  isMIT?: boolean;
  authorization?: boolean;
  expiry?: boolean;
  after?: 'cancel' | 'refund';
  /** Virtual time to let pass after evaluate. */
  advanceMs?: number;
}

const DAY = 86_400_000;
const RECIPES: Partial<Record<WebhookEventName, Recipe>> = {
  'order.completed': { card: 'approved' },
  'order.capturerequired': { card: 'captureRequired' },
  'order.cancelled': { card: 'captureRequired', after: 'cancel' },
  'order.refunded': { card: 'approved', after: 'refund' },
  'order.expired': { card: 'expires', isMIT: true, expiry: true, advanceMs: 8 * DAY },
  'challenge.presented': { card: 'challenge' },
  'challenge.attempted': { card: 'challenge', advanceMs: 10 * 60_000 },
  'challenge.passed': { card: 'challenge', advanceMs: 10 * 60_000 },
  'challenge.failed': { card: 'challengeFailed', advanceMs: 10 * 60_000 },
  'payment.chargeback.received': { card: 'chargeback', advanceMs: 2 * DAY },
};

/** The event a message interaction is about: named in its description, a provider state or its metadata. */
export function eventOf(
  description: string,
  states: readonly string[] = [],
  metadata: unknown = {},
): WebhookEventName | null {
  const named =
    (metadata as Record<string, unknown> | null)?.event ??
    (metadata as Record<string, unknown> | null)?.Event;
  const texts = [typeof named === 'string' ? named : '', description, ...states].map((t) => t.toLowerCase());
  // Longest names first, so "challenge.presented" is not read as a shorter name it contains.
  const names = [...WEBHOOK_EVENTS].sort((a, b) => b.length - a.length);
  for (const text of texts) {
    const found = names.find((name) => text.includes(name));
    if (found) return found;
  }
  return null;
}

/** Produces signed webhook messages from a private, frozen-clock mock; one order per event, made on first use. */
export class WebhookMessageSource {
  #mock: MockServer | null = null;
  #receiver: Server | null = null;
  #caught: { headers: IncomingHttpHeaders; raw: string }[] = [];
  readonly #cache = new Map<WebhookEventName, Promise<WebhookMessage>>();

  /** The message the mock sends for `event` (rejects for events the mock does not model, e.g. payout.*). */
  message(event: WebhookEventName): Promise<WebhookMessage> {
    let pending = this.#cache.get(event);
    if (!pending) {
      pending = this.#produce(event);
      this.#cache.set(event, pending);
    }
    return pending;
  }

  async close(): Promise<void> {
    await this.#mock?.close();
    await new Promise<void>((done) => (this.#receiver ? this.#receiver.close(() => done()) : done()));
    this.#mock = null;
    this.#receiver = null;
  }

  async #start(): Promise<MockServer> {
    if (this.#mock) return this.#mock;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.#caught.push({ headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    this.#receiver = receiver;
    const port = (receiver.address() as AddressInfo).port;
    const mock = await startMock({ clock: { frozen: true } });
    mock.webhooks.addReceiver({ mid: mock.credentials.mid, url: `http://127.0.0.1:${port}/webhooks` });
    this.#mock = mock;
    return mock;
  }

  async #produce(event: WebhookEventName): Promise<WebhookMessage> {
    const recipe = RECIPES[event];
    if (!recipe) throw new Error(`the mock does not send ${event} (it does not model payouts)`);
    const mock = await this.#start();
    // Each event gets its own session, so deliveries of one recipe are never mistaken for another's.
    const session = `pact-message-${event}`;
    mock.reset(session);
    const client = new FlexFactorClient({
      baseUrl: mock.baseUrl,
      appKey: mock.credentials.appKey,
      appSecret: mock.credentials.appSecret,
      mid: mock.credentials.mid,
      headers: { 'x-mock-session': session },
      maxRetries: 0,
    });
    const externalOrderId = `MSG-${event}`;
    const decision = await client.evaluate({
      isDeclined: true,
      isMIT: recipe.isMIT ?? false,
      isRecurring: false,
      transactionType: recipe.authorization ? 'AUTHORIZATION' : 'PURCHASE',
      orderId: externalOrderId,
      ...(recipe.expiry ? { expiryDateUtc: new Date(mock.clock.now() + 7 * DAY).toISOString() } : {}),
      transaction: {
        id: `TX-${event}`,
        amount: 1500,
        currency: 'USD',
        timestampUtc: new Date(mock.clock.now()).toISOString(),
        responseCode: '05',
        responseCodeSource: 'NMI',
      },
      payer: { email: 'webhook-pact@example.com', phone: '998888' },
      billingInformation: {
        firstName: 'Hook',
        lastName: 'Tester',
        country: 'United States',
        countryCode: 'US',
        addressLine1: '123 Main St.',
        city: 'San Francisco',
        state: 'CA',
        zipCode: '94111',
      },
      paymentMethod: {
        cardNumber: TEST_CARDS[recipe.card],
        token: false,
        expirationMonth: 9,
        expirationYear: 2030,
      },
    });
    if (recipe.after === 'cancel') await client.cancel(decision.orderId);
    if (recipe.after === 'refund') await client.refund(decision.orderId, { amountToRefund: 15 });
    if (recipe.advanceMs) mock.clock.advance(recipe.advanceMs);
    mock.engine.store.settleDue(mock.clock.now());
    await mock.webhooks.flush();
    const found = this.#caught.find((c) => {
      try {
        const body = JSON.parse(c.raw) as { Event?: string; ExternalOrderId?: string };
        return body.Event === event && body.ExternalOrderId === externalOrderId;
      } catch {
        return false;
      }
    });
    if (!found) throw new Error(`the mock sent no ${event} webhook for its ${recipe.card} test card`);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.headers)) {
      if (name === 'content-type' || name.startsWith('x-fc-')) headers[name] = String(value);
    }
    return { event, body: JSON.parse(found.raw) as Record<string, unknown>, raw: found.raw, headers };
  }
}
