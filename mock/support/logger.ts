// Where the mock's own lines go (warnings about files, requests and deliveries); createApp wraps it so no line can
// carry card data, a secret or a token (mock/support/redact.ts) and a burst of one kind is rate-limited.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const STDERR_LOGGER: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};
