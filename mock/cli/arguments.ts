// Option value parsers shared by the commands: a bad value is a usage error that names the option and the range.

import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../domain/clock.js';

/** An integer from `min` to `max`, for the option `name`. */
export function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
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
