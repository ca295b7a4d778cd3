// `--account` in every command: an account's id or its name (exact, else case-insensitive). A name two accounts
// share is refused with the list, so a command never picks one of them silently.
import { UsageError } from './args.ts';

export interface AccountChoice {
  id: string;
  name: string;
}

const listed = (accounts: AccountChoice[]) => accounts.map((a) => `  ${a.id}  ${a.name}`).join('\n');

/** The account `--account VALUE` names among `accounts`; `where` names the workspace in sentences. */
export function resolveAccount(accounts: AccountChoice[], value: string, where: string): AccountChoice {
  const byId = accounts.find((a) => a.id === value);
  if (byId) return byId;
  let named = accounts.filter((a) => a.name === value);
  if (named.length === 0) named = accounts.filter((a) => a.name.toLowerCase() === value.trim().toLowerCase());
  if (named.length === 1) return named[0];
  if (named.length > 1) {
    throw new UsageError(`${named.length} accounts in ${where} are named “${value}”; give one of their ids with --account:\n${listed(named)}`);
  }
  throw new UsageError(`There is no account with the id or name “${value}” in ${where}. Its accounts:\n${listed(accounts) || '  (none)'}`);
}
