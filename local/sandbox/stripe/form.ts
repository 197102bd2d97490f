/**
 * Stripe's v1 request encoding: `application/x-www-form-urlencoded` with Rack-style bracket notation, as
 * stripe-node writes it (`items[0][price]=...`, `metadata[customerId]=...`, `expand[0]=...`) and as curl
 * users write it (`expand[]=...`). Values stay strings: each endpoint coerces what it reads, like Stripe.
 */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** A body or query the decoder cannot turn into parameters; the API answers 400 with `param`. */
export class FormDecodeError extends Error {
  override readonly name = 'FormDecodeError';
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const MAX_DEPTH = 8;
const MAX_INDEX = 9999;

/** Intermediate containers: arrays are keyed by index until every pair is read, then compacted in order. */
class ArrayBuilder {
  readonly items = new Map<number, Builder>();
  private autoIndex = 0;
  /** `[]` and `[n]` cannot be mixed in one array (Rack refuses it too). */
  style: 'auto' | 'indexed' | undefined;

  nextAuto(): number {
    return this.autoIndex++;
  }

  lastAuto(): number {
    return this.autoIndex - 1;
  }
}
type Builder = string | ArrayBuilder | Map<string, Builder>;

/** Decodes a form body or query string into nested parameters. */
export function decodeForm(input: string | URLSearchParams): FormObject {
  const pairs = typeof input === 'string' ? new URLSearchParams(input) : input;
  const root = new Map<string, Builder>();
  for (const [key, value] of pairs) {
    if (key === '') continue;
    assign(root, key, value);
  }
  return finish(root) as FormObject;
}

function assign(root: Map<string, Builder>, key: string, value: string): void {
  const match = KEY.exec(key);
  if (!match) throw new FormDecodeError(`Invalid parameter name: ${key}`, key);
  const segments = [match[1], ...(match[2].match(/\[[^[\]]*\]/g) ?? []).map((segment) => segment.slice(1, -1))];
  if (segments.length > MAX_DEPTH) throw new FormDecodeError(`Parameter nested too deeply: ${key}`, key);
  let container: Map<string, Builder> | ArrayBuilder = root;
  for (let i = 0; i < segments.length; i += 1) {
    const last = i === segments.length - 1;
    const next = last ? undefined : segments[i + 1];
    const wantsArray = next !== undefined && (next === '' || /^\d+$/.test(next));
    const fresh = (): Builder => (last ? value : wantsArray ? new ArrayBuilder() : new Map<string, Builder>());
    if (container instanceof ArrayBuilder) {
      const index = arrayIndex(container, segments[i], next, key);
      const existing = container.items.get(index);
      if (last || existing === undefined) container.items.set(index, last ? value : (existing ?? fresh()));
      const child = container.items.get(index) as Builder;
      if (last) return;
      container = expectContainer(child, wantsArray, key);
    } else {
      const existing = container.get(segments[i]);
      if (last) {
        if (existing !== undefined && typeof existing !== 'string') throw new FormDecodeError(`Invalid value for ${key}: it is also an object or array`, key);
        container.set(segments[i], value);
        return;
      }
      const child = existing ?? fresh();
      container.set(segments[i], child);
      container = expectContainer(child, wantsArray, key);
    }
  }
}

/** `[n]` names an element; `[]` appends, except that `a[][x]` fills the last element while it lacks `x` (Rack). */
function arrayIndex(array: ArrayBuilder, segment: string, next: string | undefined, key: string): number {
  const style = segment === '' ? 'auto' : 'indexed';
  if (array.style !== undefined && array.style !== style) throw new FormDecodeError(`Invalid array: ${key} mixes [] and [n]`, key);
  array.style = style;
  if (style === 'indexed') {
    const index = Number(segment);
    if (index > MAX_INDEX) throw new FormDecodeError(`Array index too large: ${key}`, key);
    return index;
  }
  if (next !== undefined && array.lastAuto() >= 0) {
    const current = array.items.get(array.lastAuto());
    if (current instanceof Map && !current.has(next)) return array.lastAuto();
  }
  return array.nextAuto();
}

function expectContainer(child: Builder, wantsArray: boolean, key: string): Map<string, Builder> | ArrayBuilder {
  if (wantsArray && child instanceof ArrayBuilder) return child;
  if (!wantsArray && child instanceof Map) return child;
  throw new FormDecodeError(`Invalid parameter ${key}: it is used both as ${wantsArray ? 'an array' : 'an object'} and as something else`, key);
}

function finish(builder: Builder): FormValue {
  if (typeof builder === 'string') return builder;
  if (builder instanceof ArrayBuilder) {
    return [...builder.items.entries()].sort(([a], [b]) => a - b).map(([, item]) => finish(item));
  }
  const object: FormObject = {};
  for (const [key, value] of builder) object[key] = finish(value);
  return object;
}

/** The inverse, for tests and for replaying a request: the same indexed form stripe-node sends. */
export function encodeForm(params: FormObject): string {
  const pairs: string[] = [];
  const walk = (key: string, value: FormValue) => {
    if (typeof value === 'string') pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
    else if (Array.isArray(value)) value.forEach((item, index) => walk(`${key}[${index}]`, item));
    else for (const [child, item] of Object.entries(value)) walk(`${key}[${child}]`, item);
  };
  for (const [key, value] of Object.entries(params)) walk(key, value);
  return pairs.join('&');
}
