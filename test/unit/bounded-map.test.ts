import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../main/webhooks/bounded-map.ts';

describe('BoundedMap', () => {
  it('forgets the oldest key when a new one arrives full, and keeps a key set again in its place', () => {
    const map = new BoundedMap<string, number>(3);
    map.set('a', 1).set('b', 2).set('c', 3);
    map.set('b', 20); // held already: nothing is forgotten
    expect([...map]).toEqual([['a', 1], ['b', 20], ['c', 3]]);
    map.set('d', 4);
    expect([...map.keys()]).toEqual(['b', 'c', 'd']);
    expect(map.size).toBe(3);
  });

  it('makes a value once per key it holds, and again once the key was forgotten', () => {
    const map = new BoundedMap<string, string>(2);
    const made: string[] = [];
    const make = (k: string) => (made.push(k), k.toUpperCase());
    expect(map.getOrMake('x', make)).toBe('X');
    expect(map.getOrMake('x', make)).toBe('X');
    map.getOrMake('y', make);
    map.getOrMake('z', make); // forgets x
    expect(map.getOrMake('x', make)).toBe('X');
    expect(made).toEqual(['x', 'y', 'z', 'x']);
  });
});
