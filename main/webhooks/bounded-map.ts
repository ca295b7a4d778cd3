/**
 * A Map that keeps only its newest `limit` keys: setting a key it does not hold, when full, forgets the oldest one.
 * The dispatcher remembers small facts per endpoint (address classes, opened header values, id counters) across
 * attempts; a workspace with many endpoints must not grow them without bound.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #limit: number;

  constructor(limit: number) {
    super();
    this.#limit = limit;
  }

  override set(key: K, value: V): this {
    if (this.size >= this.#limit && !this.has(key)) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }

  /** The value kept for `key`, made by `make` the first time it is asked for. */
  getOrMake(key: K, make: (key: K) => V): V {
    let value = this.get(key);
    if (value === undefined) {
      value = make(key);
      this.set(key, value);
    }
    return value;
  }
}
