import type { ErrorBody } from '../preload/contract.ts';

export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'read_only'
  | 'unauthorized'
  /** A data key file is missing or is not the one the workspace's secrets were sealed with (main/crypto/key-guard.ts). */
  | 'key_unavailable'
  /** The workspace file is damaged, its disk is full, its folder read-only, or reading it failed (db/errors.ts). */
  | 'storage_corrupt'
  | 'storage_full'
  | 'storage_read_only'
  | 'storage_io'
  | 'internal';

/** An error meant for the person: a code, a sentence, and optionally the offending fields. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorBody['issues'],
  ) {
    super(message);
  }
  toBody(): ErrorBody {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} was not found in this account.`);
export const conflict = (message: string) => new AppError('conflict', message);
export const invalid = (message: string, path: (string | number)[] = []) =>
  new AppError('invalid_input', message, [{ path, message }]);
