// The contract as a boundary: every method has a handler, and bad input to every foundation method is refused
// by zod with its issues, before anything is written, and without a stack trace.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { App } from '../../main/app.ts';
import { createApp } from '../../main/app.ts';
import { handlers } from '../../main/handlers/index.ts';
import { invoke, toErrorBody } from '../../main/rpc.ts';
import { methods } from '../../preload/contract.ts';
import { foundationMethods } from '../../preload/contract/foundation.ts';
import type { ErrorBody } from '../../preload/contract/common.ts';
import { caller, onSqlite, openTestApp, sqlCount, sqlRow, sqlRows, tableCounts, tableNames } from '../support/workspace.ts';

let app: App;
let api: Awaited<ReturnType<typeof caller>>;
const errors: { method: string; input: unknown; error: ErrorBody }[] = [];

/**
 * Everything a refused call could have written: the row count of every table, a digest of every row's content
 * (an UPDATE changes no count), and on SQLite the connection's total_changes() (any write at all, even one
 * rolled back).
 */
async function state() {
  const content: Record<string, string[]> = {};
  for (const name of await tableNames(app)) {
    content[name] = (await sqlRows(app, `SELECT * FROM "${name}"`)).map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))).sort();
  }
  return {
    changes: onSqlite ? await sqlCount(app, 'SELECT total_changes() AS n') : null,
    counts: await tableCounts(app),
    content,
  };
}

/** The object schema of a method's input (through `.default()`), or null for a non-object input. */
function objectOf(schema: z.ZodType): z.ZodObject | null {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = (s as z.ZodDefault<z.ZodType>).unwrap() as z.ZodType;
  return s instanceof z.ZodObject ? s : null;
}

/** The base type of a field (through optional/nullable/default). */
function baseType(schema: z.ZodType): string {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = (s as z.ZodOptional<z.ZodType>).unwrap() as z.ZodType;
  return (s as unknown as { def: { type: string } }).def.type;
}

/** A value of the wrong JSON type for a field. */
const wrongValue: Record<string, unknown> = { string: 12345, number: 'ten', boolean: 'yes', array: 'not-a-list', enum: 42, object: 'x' };

async function refused(method: string, input: unknown) {
  const r = await invoke(app, api.slot, method, input);
  expect(r.ok, `${method} ${JSON.stringify(input)} was refused`).toBe(false);
  if (r.ok) throw new Error('unreachable');
  errors.push({ method, input, error: r.error });
  return r.error;
}

beforeAll(async () => {
  app = await openTestApp({ events: 200 });
  api = await caller(app);
});
afterAll(async () => {
  await app.close();
});

describe('contract', () => {
  it('every method has a handler, and every handler a method', () => {
    const names = Object.keys(methods).sort();
    expect(names.length).toBeGreaterThanOrEqual(Object.keys(foundationMethods).length);
    for (const name of names) expect(typeof (handlers as Record<string, unknown>)[name], name).toBe('function');
    expect(Object.keys(handlers).sort()).toEqual(names);
  });

  it('every method has zod input and output schemas; inputs are strict objects', () => {
    for (const [name, spec] of Object.entries(methods)) {
      expect(spec.input, name).toBeInstanceOf(z.ZodType);
      expect(spec.output, name).toBeInstanceOf(z.ZodType);
      const obj = objectOf(spec.input as z.ZodType);
      expect(obj, `${name} takes an object`).not.toBeNull();
      expect(obj!.safeParse({ __unknown_key__: 1 }).success, `${name} refuses unknown keys`).toBe(false);
    }
  });
});

describe('bad input to every foundation method', () => {
  const names = Object.keys(foundationMethods) as (keyof typeof foundationMethods)[];

  it('answers invalid_input with issues and writes nothing', async () => {
    const before = await state();
    let checked = 0;
    for (const name of names) {
      const obj = objectOf(foundationMethods[name].input as z.ZodType)!;
      const shape = obj.shape as Record<string, z.ZodType>;

      // Not an object at all.
      for (const input of [42, 'text', [1, 2], true]) {
        const e = await refused(name, input);
        expect(e.code, `${name} ${JSON.stringify(input)}`).toBe('invalid_input');
        expect(e.issues?.length).toBeGreaterThan(0);
        checked++;
      }

      // An unknown extra key.
      const extra = await refused(name, { sneaky_extra: 'x' });
      expect(extra.code).toBe('invalid_input');
      expect(extra.issues?.some((i) => /sneaky_extra/.test(i.message)), `${name} names the unknown key`).toBe(true);
      checked++;

      // Each field with a value of the wrong type.
      for (const [key, field] of Object.entries(shape)) {
        const value = wrongValue[baseType(field)];
        expect(value, `${name}.${key} has a known base type (${baseType(field)})`).toBeDefined();
        const e = await refused(name, { [key]: value });
        expect(e.code).toBe('invalid_input');
        expect(e.issues?.some((i) => i.path[0] === key), `${name}.${key} = ${JSON.stringify(value)} is reported at ${key}`).toBe(true);
        checked++;
      }

      // Each required field missing.
      const required = Object.entries(shape).filter(([, f]) => !f.safeParse(undefined).success).map(([k]) => k);
      if (required.length) {
        const e = await refused(name, {});
        expect(e.code).toBe('invalid_input');
        const reported = new Set(e.issues?.map((i) => i.path[0]));
        for (const key of required) expect(reported.has(key), `${name}: missing ${key} is reported`).toBe(true);
        expect(e.message).toMatch(/^The request was not valid \(.+\)\.$/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(names.length * 6);
    expect(await state()).toEqual(before);
  });

  it('refuses values of the right type that break a rule (bad ids, dates, lengths, enums)', async () => {
    const before = await state();
    const cases: [string, unknown, string][] = [
      ['cards.move', { cardId: 'card-1', toColumnId: '019a0000-0000-7000-8000-000000000001' }, 'cardId'],
      ['cards.move', { cardId: '019a0000-0000-7000-8000-000000000001', toColumnId: '019a0000-0000-7000-8000-000000000002', position: -1 }, 'position'],
      ['cards.create', { boardId: '019a0000-0000-7000-8000-000000000001', columnId: '019a0000-0000-7000-8000-000000000002', title: 'x'.repeat(201) }, 'title'],
      ['cards.create', { boardId: '019a0000-0000-7000-8000-000000000001', columnId: '019a0000-0000-7000-8000-000000000002', title: 'ok', dueDate: '31/12/2026' }, 'dueDate'],
      ['cards.update', { cardId: '019a0000-0000-7000-8000-000000000001', title: '   ' }, 'title'],
      ['members.invite', { email: 'not-an-email', name: 'X' }, 'email'],
      ['members.invite', { email: 'x@y.test', name: 'X', role: 'owner' }, 'role'],
      ['workspace.create', { accountName: '', userName: 'A', email: 'a@b.test' }, 'accountName'],
      ['boards.create', { projectId: '019a0000-0000-7000-8000-000000000001', name: 'B', columns: [] }, 'columns'],
      ['activity.list', { types: [] }, 'types'],
      ['activity.list', { types: ['card_deleted'] }, 'types'],
      ['activity.list', { from: 'yesterday' }, 'from'],
      ['comments.add', { cardId: '019a0000-0000-7000-8000-000000000001', body: 'x'.repeat(10_001) }, 'body'],
    ];
    for (const [method, input, key] of cases) {
      const e = await refused(method, input);
      expect(e.code, `${method} ${JSON.stringify(input)}`).toBe('invalid_input');
      expect(e.issues?.map((i) => i.path[0]), `${method} reports ${key}`).toContain(key);
    }
    expect(await state()).toEqual(before);
  });

  it('an unknown method answers not_found', async () => {
    const e = await refused('cards.teleport', {});
    expect(e).toEqual({ code: 'not_found', message: 'There is no method named “cards.teleport”.' });
    expect((await refused('constructor', {})).code).toBe('not_found');
    expect((await refused('__proto__', {})).code).toBe('not_found');
  });

  it('write methods are refused on a read-only workspace, before anything runs', async () => {
    const ro = await createApp({ location: app.connectTo, dataDir: app.dataDir, readonly: true, background: false });
    try {
      const slot = { session: await ro.defaultSession() };
      const writes = Object.entries(foundationMethods).filter(([, s]) => 'write' in s && s.write).map(([n]) => n);
      expect(writes).toContain('cards.move');
      for (const name of writes) {
        const r = await invoke(ro, slot, name, {});
        expect(r.ok ? null : r.error.code, name).toBe('read_only');
      }
      const read = await invoke(ro, slot, 'activity.list', { limit: 5 });
      expect(read.ok).toBe(true);
    } finally {
      await ro.close();
    }
  });

  it('no error body ever carries a stack trace or a source path', async () => {
    // Errors from the domain (not_found, conflict) as well as from validation.
    const card = await sqlRow<{ id: string }>(app, `SELECT id FROM cards WHERE account_id = (SELECT id FROM accounts WHERE name = 'Globex Ops') LIMIT 1`);
    await refused('cards.get', { cardId: card.id });
    await refused('session.switchAccount', { accountId: '019a0000-0000-7000-8000-000000000009' });
    expect(errors.length).toBeGreaterThan(50);
    for (const { method, error } of errors) {
      const text = JSON.stringify(error);
      expect(text, method).not.toMatch(/\n\s*at |\bat .*:\d+:\d+|\.ts\b|node_modules|Error:/);
      expect(Object.keys(error).every((k) => ['code', 'message', 'issues'].includes(k)), method).toBe(true);
      expect(error.message.length, method).toBeGreaterThan(10);
    }
  });

  it('an unexpected exception becomes a generic internal error; the details go to the log only', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const boom = new Error('secret path /home/x/db.ts:12');
      const body = toErrorBody(boom, 'cards.move');
      expect(body).toEqual({ code: 'internal', message: 'Something went wrong on Chronicle’s side; the details were logged.' });
      expect(log).toHaveBeenCalledWith('[rpc] cards.move failed:', boom);
    } finally {
      log.mockRestore();
    }
  });
});
