import type { ErrorBody } from '../preload/contract.ts';

export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'forbidden'
  | 'read_only'
  | 'unauthorized'
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
