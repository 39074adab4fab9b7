// Option value parsers shared by the commands: a bad value is a usage error that names the option and the range.

import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../domain/clock.js';

/** An integer from `min` to `max`, for the option `name`. */
export function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    // Decimal digits only: Number() would also take 0x1F90, 1e4 and 0b1, so a typo could bind some other port.
    const n = /^\s*\d{1,16}\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${min} to ${max}, in decimal digits.`,
      );
    }
    return n;
  };
}

/** A duration such as `30s`, `2m` or `1500` (ms), in ms. */
export function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/**
 * A duration that must name its unit (`30s`, `500ms`): for waiting, where a bare `30` reads as seconds to anyone used
 * to `timeout 30` or `sleep 30`, and as 30 ms it fails at once with a misleading "did not answer".
 */
export function durationWithUnit(value: string): number {
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(value)) {
    throw new InvalidArgumentError(
      `${value.trim()} has no unit: write ${value.trim()}s for seconds or ${value.trim()}ms for milliseconds.`,
    );
  }
  return duration(value);
}
