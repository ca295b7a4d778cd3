// `chronicle`: the command line. Each command lives in main/cli/<name>.ts; this file only dispatches.
import { DatabaseError } from '../db/open.ts';
import { UsageError } from './cli/args.ts';
import { audit, auditHelp } from './cli/audit.ts';
import { copyCommand, copyHelp } from './cli/copy.ts';
import { demo, demoHelp } from './cli/demo.ts';
import { dispatch, dispatchHelp } from './cli/dispatch.ts';
import { migrateCommand, migrateHelp } from './cli/migrate.ts';
import { reports, reportsHelp } from './cli/reports.ts';
import { serve, serveHelp } from './cli/serve.ts';
import { tokens, tokensHelp } from './cli/tokens.ts';
import { backupCommand, backupHelp, checkCommand, checkHelp, restoreCommand, restoreHelp } from './cli/storage.ts';

interface Command {
  run(argv: string[]): Promise<void>;
  help: string;
}

export const commands: Record<string, Command> = {
  serve: { run: serve, help: serveHelp },
  demo: { run: demo, help: demoHelp },
  dispatch: { run: dispatch, help: dispatchHelp },
  migrate: { run: migrateCommand, help: migrateHelp },
  copy: { run: copyCommand, help: copyHelp },
  audit: { run: audit, help: auditHelp },
  reports: { run: reports, help: reportsHelp },
  tokens: { run: tokens, help: tokensHelp },
  backup: { run: backupCommand, help: backupHelp },
  restore: { run: restoreCommand, help: restoreHelp },
  check: { run: checkCommand, help: checkHelp },
};

function usage(): string {
  return ['Chronicle: domain events, timelines, audit trails and webhook deliveries.', '', 'Usage:', ...Object.values(commands).map((c) => '  ' + c.help.split('\n')[0]), '', 'chronicle <command> --help for details.'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`chronicle: unknown command “${name}”.\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help + '\n');
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`chronicle ${name}: ${err.message}\n\n${command.help}\n`);
      return 2;
    }
    if (err instanceof DatabaseError) {
      process.stderr.write(`chronicle ${name}: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`chronicle ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Long-running commands (serve, dispatch) keep the event loop alive; one-shot ones exit with their status.
if (code !== 0) process.exit(code);
else process.exitCode = 0;
