import { invalidRequest } from './errors';
import type { FormObject, FormValue } from './form';

/**
 * Typed reads of decoded form parameters, failing with Stripe's own 400 sentences and `param` paths
 * (`items[0][price]`), so a mistake in our code reads the same locally as against Stripe.
 */
export class Params {
  constructor(
    readonly raw: FormObject,
    private readonly prefix = '',
  ) {}

  private name(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}[${key}]`;
  }

  /** Stripe refuses parameters an endpoint does not take: `Received unknown parameter: foo`. */
  allow(...keys: string[]): this {
    for (const key of Object.keys(this.raw)) {
      if (!keys.includes(key)) throw invalidRequest(`Received unknown parameter: ${this.name(key)}`, this.name(key));
    }
    return this;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.raw, key);
  }

  string(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${this.name(key)} must be a string`, this.name(key));
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === '') throw invalidRequest(`Missing required param: ${this.name(key)}.`, this.name(key));
    return value;
  }

  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!values.includes(value as T)) {
      throw invalidRequest(`Invalid ${this.name(key)}: must be one of ${values.join(', ')}`, this.name(key));
    }
    return value as T;
  }

  boolean(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${value}`, this.name(key));
    return value === 'true';
  }

  integer(key: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${value}`, this.name(key));
    const number = Number(value);
    if (number < min || number > max) {
      throw invalidRequest(`Invalid ${this.name(key)}: must be an integer between ${min} and ${max}`, this.name(key));
    }
    return number;
  }

  /** A hash parameter; `''` (Stripe's way to unset an emptyable hash) gives `null`. */
  object(key: string): Params | null | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (value === '') return null;
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`Invalid object: ${this.name(key)} must be a hash`, this.name(key));
    return new Params(value, this.name(key));
  }

  /** An array parameter (`items[0][price]` or `expand[]`), as Params for hashes or strings for scalars. */
  array(key: string): FormValue[] | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (value === '') return [];
    if (!Array.isArray(value)) throw invalidRequest(`Invalid array: ${this.name(key)} must be an array`, this.name(key));
    return value;
  }

  objects(key: string): Params[] | undefined {
    return this.array(key)?.map((item, index) => {
      if (typeof item !== 'object' || Array.isArray(item)) throw invalidRequest(`Invalid object: ${this.name(key)}[${index}] must be a hash`, `${this.name(key)}[${index}]`);
      return new Params(item, `${this.name(key)}[${index}]`);
    });
  }

  strings(key: string): string[] | undefined {
    return this.array(key)?.map((item, index) => {
      if (typeof item !== 'string') throw invalidRequest(`Invalid string: ${this.name(key)}[${index}] must be a string`, `${this.name(key)}[${index}]`);
      return item;
    });
  }

  /**
   * Metadata: up to 50 string keys (40 chars) and values (500 chars); `metadata[k]=` deletes k and
   * `metadata=` clears it all, applied onto `current`.
   */
  metadata(current: Record<string, string> = {}): Record<string, string> | undefined {
    const value = this.raw.metadata;
    if (value === undefined) return undefined;
    if (value === '') return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('Invalid object: metadata must be a hash', this.name('metadata'));
    const next = { ...current };
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw invalidRequest(`Invalid string: metadata[${key}] must be a string`, `metadata[${key}]`);
      if (key.length > 40) throw invalidRequest(`Metadata keys can have at most 40 characters: ${key}`, `metadata[${key}]`);
      if (item.length > 500) throw invalidRequest(`Metadata values can have at most 500 characters: ${key}`, `metadata[${key}]`);
      if (item === '') delete next[key];
      else next[key] = item;
    }
    if (Object.keys(next).length > 50) throw invalidRequest('Metadata can have at most 50 keys', this.name('metadata'));
    return next;
  }
}
