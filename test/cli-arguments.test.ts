// Option values as people type them: a number in anything but decimal digits is refused (Number() reads 0x1F90 as
// 8080 and 1e4 as 10000, so a typo could bind or budget something else), and an IPv4 loopback address written mapped
// into IPv6 is loopback: no "beyond loopback" warning, no admin token needed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { isLoopback } from '../mock/admin/admin-api.js';
import { integer } from '../mock/cli/arguments.js';
import { exposureWarning } from '../mock/http/exposure.js';

describe('option values', { timeout: 30_000 }, () => {
  const port = integer('--port', 0, 65535);

  test('whole numbers in decimal digits are taken', () => {
    assert.equal(port('8080'), 8080);
    assert.equal(port('0'), 0);
    assert.equal(port('65535'), 65535);
    assert.equal(port(' 4848 '), 4848);
  });

  test('hex, exponent, binary, signed, fractional or empty values are refused, naming the option', () => {
    for (const value of [
      '0x1F90',
      '1e4',
      '0b1',
      '0o17',
      '+80',
      '-1',
      '80.0',
      '8080.5',
      '',
      ' ',
      '65536',
      'Infinity',
    ]) {
      assert.throws(
        () => port(value),
        (error: unknown) =>
          error instanceof InvalidArgumentError &&
          error.message === '--port must be a whole number from 0 to 65535, in decimal digits.',
        `${JSON.stringify(value)} is refused`,
      );
    }
  });

  test('loopback addresses, IPv4-mapped ones included; nothing else', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      '[::FFFF:127.0.0.1]',
    ]) {
      assert.equal(isLoopback(host), true, host);
      assert.equal(exposureWarning(host, 'http://x', false), null, host);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '::ffff:10.0.0.1',
      '192.168.1.2',
      '127.0.0.1.example.com',
      'localhost.evil',
    ]) {
      assert.equal(isLoopback(host), false, host);
      assert.match(exposureWarning(host, 'http://x', false) ?? '', /beyond loopback/, host);
    }
  });
});
