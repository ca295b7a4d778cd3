import path from 'node:path';
import { expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without types
import { abiOfBinary } from '../../main/bin/native-abi.mjs';

it('reads the ABI compiled into the Node build of better-sqlite3', () => {
  const file = path.resolve('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  expect(abiOfBinary(file)).toBe(Number(process.versions.modules));
});

it('finds no ABI in a file that is not an addon', () => {
  expect(abiOfBinary(path.resolve('package.json'))).toBeNull();
});
