// Pact's Rust mock server answers a request before it books the match (the booking travels over a channel to another
// task), and executeTest reads the bookings the moment the test function returns. On a busy machine that read can
// come first, and a request the client demonstrably sent is reported "expected but not received"
// (pact-foundation/pact-reference#535). Every consumer test function here ends by waiting, bounded, until the mock
// server has booked its matches; a real mismatch still fails, only after the bound instead of at once.

import pactCore from '@pact-foundation/pact-core';

const POLL_MS = 5;
const BOUND_MS = 5_000;

// The FFI's matched() is keyed by port, not by pact, so one throwaway handle can ask about any mock server.
let probe: { mockServerMatchedSuccessfully(port: number): boolean } | undefined;
function matched(port: number): boolean {
  probe ??= (
    pactCore as unknown as {
      makeConsumerPact(
        consumer: string,
        provider: string,
      ): { mockServerMatchedSuccessfully(port: number): boolean };
    }
  ).makeConsumerPact('booking-probe', 'booking-probe');
  return probe.mockServerMatchedSuccessfully(port);
}

/** Wait until Pact's mock server on `port` has booked every expected request, or the bound passes. */
export async function untilBooked(port: number): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  while (!matched(port) && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
}

/** `fn` as an executeTest body that returns only once its requests are booked. */
export function booked<S extends { port: number }, T>(
  fn: (server: S) => Promise<T>,
): (server: S) => Promise<T> {
  return async (server) => {
    const value = await fn(server);
    await untilBooked(server.port);
    return value;
  };
}
