/**
 * Errors raised by the simulation kernel. Each names the culprit (the delay, the address,
 * the sender) so that a failing simulation says what went wrong, and none of them leaves
 * the kernel in a broken state: the call that threw had no effect.
 */

/** Base class of every error the kernel throws. */
export class KernelError extends Error {
  override name = 'KernelError';
}

/** A delay or duration that is negative, not finite or not a number. */
export class InvalidDelayError extends KernelError {
  override name = 'InvalidDelayError';
  constructor(readonly what: string, readonly value: unknown) {
    super(`${what} must be a finite, non-negative number of milliseconds; got ${describe(value)}`);
  }
}

/** A message addressed to an actor the network does not know. */
export class UnknownAddressError extends KernelError {
  override name = 'UnknownAddressError';
  constructor(readonly address: string, readonly from: string, readonly eventType: string) {
    super(`unknown actor address "${address}": ${from} sent ${eventType} to an address that is not registered on the network`);
  }
}

/** A message or timer scheduled after the kernel was stopped. */
export class KernelStoppedError extends KernelError {
  override name = 'KernelStoppedError';
  constructor(readonly culprit: string) {
    super(`the kernel is stopped: ${culprit}`);
  }
}

/** The simulation kept scheduling work at one instant without moving time. */
export class LivelockError extends KernelError {
  override name = 'LivelockError';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  return `${typeof value} ${JSON.stringify(value)}`;
}
