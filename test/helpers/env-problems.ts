import { expect } from 'vitest';
import { EnvError, parseEnv } from '../../src/env.js';

/** The EnvError parseEnv throws for this configuration; fails the test when it accepts it. */
export function envErrorOf(source: Record<string, string>): EnvError {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return error as EnvError;
  }
  throw new Error('parseEnv accepted the configuration');
}
