import type { Random } from './random';

/**
 * Malformed pieces of requests: JSON values of the wrong type, hostile strings, broken JSON texts, and
 * bodies too big or too deep. Each generator draws from the case's own Random.
 */

/** Strings that have broken parsers, loggers and key builders elsewhere. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\t\r\n',
  '\u001b[31mred\u001b[0m',
  '\u202egnp.exe',
  '\ufeff',
  '\ud800',
  '\udfff',
  'ü',
  '😀'.repeat(40),
  'ｅｍａｉｌ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  '"; DROP TABLE customers; --',
  "' OR '1'='1",
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '../../../etc/passwd',
  'C:\\Windows\\win.ini',
  '%00',
  '%s%s%s%n',
  'CUSTOMER#00000000-0000-4000-8000-000000000000',
  'EMAIL#ada@example.com',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  'true',
  '-0',
  '1e309',
  'ada@example.com',
  ' ADA@EXAMPLE.COM ',
  'ada@@example.com',
  'a'.repeat(65) + '@example.com',
  'starter',
  'Enterprise',
  'correct horse battery staple',
] as const;

const UNICODE_ALPHABET = 'aZ09 \u0000\u0001\u0007\u001f\u007f\u0085\u00a0\u2028\u2029\ufffd\ufeffé中文😀\u0301\u200b\u200d';

export function hostileString(random: Random): string {
  return random.weighted<() => string>([
    [6, () => random.pick(HOSTILE_STRINGS)],
    [3, () => random.string(1 + random.int(40), UNICODE_ALPHABET)],
    [1, () => 'x'.repeat(random.pick([101, 255, 256, 257, 513, 1_000, 5_000, 20_000]))],
  ])();
}

/** Any JSON value, usually of a type no field of ours takes. */
export function wrongValue(random: Random, depth = 0): unknown {
  return random.weighted<() => unknown>([
    [3, () => hostileString(random)],
    [2, () => random.pick([0, -1, 1, 1.5, -0.0, 2 ** 53 + 1, 1e308, -1e308, Number.MIN_VALUE])],
    [2, () => random.pick([true, false, null])],
    [1, () => (depth > 2 ? [] : Array.from({ length: random.int(4) }, () => wrongValue(random, depth + 1)))],
    [1, () => (depth > 2 ? {} : randomObject(random, depth + 1))],
  ])();
}

/** Field names our bodies use, and names no schema knows. */
const FIELD_NAMES = [
  'firstName',
  'lastName',
  'email',
  'company',
  'password',
  'plan',
  'refreshToken',
  'token',
  'customerId',
  'status',
  'id',
  'type',
  'data',
  'object',
  'metadata',
];
const FOREIGN_NAMES = ['__proto__', 'constructor', 'prototype', '', ' email', 'EMAIL', 'e\u0000mail', '😀', 'isAdmin', 'role', 'pk', 'sk', '$where', 'a.b', 'a'.repeat(300)];

export function randomObject(random: Random, depth = 0): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  const size = random.int(7);
  for (let i = 0; i < size; i += 1) {
    const name = random.chance(0.7) ? random.pick(FIELD_NAMES) : random.pick(FOREIGN_NAMES);
    // defineProperty: a `__proto__` key must become an own property, as JSON.parse makes it.
    Object.defineProperty(object, name, { value: wrongValue(random, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return object;
}

/**
 * A plausible-looking object that is still invalid for every strict schema of ours: known fields with
 * plausible or hostile values, plus always one field no schema knows (our schemas refuse unknown fields).
 */
export function almostValidObject(random: Random): Record<string, unknown> {
  const plausible: Record<string, () => unknown> = {
    firstName: () => random.pick(['Ada', hostileString(random)]),
    lastName: () => random.pick(['Lovelace', hostileString(random)]),
    email: () => random.pick([`fuzz+${random.hex(8)}@example.com`, hostileString(random)]),
    company: () => random.pick([`Fuzz ${random.hex(4)}`, hostileString(random)]),
    password: () => random.pick(['correct horse battery staple', hostileString(random)]),
    plan: () => random.pick(['starter', 'business', 'enterprise', hostileString(random)]),
    refreshToken: () => random.pick([random.hex(43), hostileString(random)]),
    token: () => random.pick([random.hex(43), hostileString(random)]),
  };
  const object: Record<string, unknown> = {};
  for (const [name, make] of Object.entries(plausible)) if (random.chance(0.6)) object[name] = random.chance(0.8) ? make() : wrongValue(random);
  object[`fuzz_${random.hex(4)}`] = wrongValue(random);
  return object;
}

/** Texts that are not JSON, or not what JSON.parse alone should be trusted with. */
const BROKEN_JSON = [
  '{',
  '}',
  '{"email":',
  '{"email": "a@b.c",}',
  "{'email': 'a@b.c'}",
  '{email: 1}',
  '[1, 2',
  'nul',
  'undefined',
  'NaN',
  'Infinity',
  '--1',
  '01',
  '"unterminated',
  '{"a": "\\uZZZZ"}',
  '{"a": "\\ud800"}',
  '\ufeff{}',
  '{} {}',
  '{"a":1}garbage',
  '\u0000',
  '<xml/>',
  'email=a%40b.c&password=x',
  '/* comment */ {}',
] as const;

export type RawBody = { readonly text?: string; readonly bytes?: Buffer; readonly label: string };

/** A request body: broken, empty, huge, deep, wrong-typed JSON, unicode, null or array. */
export function malformedBody(random: Random): RawBody {
  return random.weighted<() => RawBody>([
    [2, () => ({ label: 'empty body', text: random.pick(['', ' ', '\n']) })],
    [5, () => ({ label: 'broken JSON', text: random.pick(BROKEN_JSON) })],
    [2, () => ({ label: 'invalid UTF-8', bytes: Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('"}')]) })],
    [3, () => ({ label: 'JSON scalar', text: JSON.stringify(random.pick([null, true, false, 0, -1, 1e308, 'text', ''])) })],
    [3, () => ({ label: 'JSON array', text: JSON.stringify(random.pick([[], [{}], [almostValidObject(random)], [null]])) })],
    [6, () => ({ label: 'wrong types and extra fields', text: JSON.stringify(randomObject(random)) })],
    [8, () => ({ label: 'almost valid', text: JSON.stringify(almostValidObject(random)) })],
    [2, () => ({ label: 'duplicate keys', text: `{"email":"a@b.c","email":${JSON.stringify(wrongValue(random)) ?? 'null'},"x":1}` })],
    [2, () => ({ label: 'deep JSON', text: deepJson(random) })],
    [1, () => ({ label: 'huge JSON (over 64 KB)', text: JSON.stringify({ email: 'a@b.c', password: 'p'.repeat(65 * 1024 + random.int(10_000)) }) })],
    [1, () => ({ label: 'huge body (just under 64 KB)', text: JSON.stringify({ company: 'c'.repeat(63 * 1024) }) })],
    [1, () => ({ label: 'many keys', text: JSON.stringify(Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i]))) })],
  ])();
}

/** Nested arrays or objects, thousands of levels deep (still under 64 KB). */
function deepJson(random: Random): string {
  const depth = random.pick([100, 1_000, 5_000, 10_000, 20_000]);
  if (random.chance(0.5)) return '['.repeat(depth) + ']'.repeat(depth);
  const levels = Math.min(depth, 9_000);
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** A body far over API Gateway's 10 MB payload limit: the adapter must refuse it with 413, not crash. */
export function oversizedBody(): RawBody {
  return { label: 'body over 10 MB', bytes: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61) };
}
