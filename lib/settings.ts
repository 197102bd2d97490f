import type { Construct } from 'constructs';
import { PLAN_NAMES, type PlanName } from '../lambdas/core/plans';
import { CAPACITY_WAIT } from '../statemachines/workflows';

/**
 * Deployment settings, read from CDK context (`cdk.json` or `cdk synth -c key=value`) in this one place so
 * a missing or malformed value fails the synth with a clear message instead of a broken deployment.
 */
export interface StackProSettings {
  /** Parent domain of every customer subdomain, e.g. `customers.stackpro.io`. */
  readonly customerDomain: string;
  /** Route 53 hosted zone that holds `customerDomain`, where provisioning writes customer records. */
  readonly hostedZoneId: string;
  /** The verified SES address welcome emails are sent from. */
  readonly senderAddress: string;
  /** The static frontend's origin (scheme, host, optional port): the only origin CORS allows. */
  readonly frontendOrigin: string;
  /** SSM parameter naming the AMI that customer instances boot from. */
  readonly customerAmiSsmParameter: string;
  /** Stripe price id of every plan (`price_...`): Set up billing subscribes a new customer to its plan's price. */
  readonly stripePriceIds: Readonly<Record<PlanName, string>>;
  /**
   * Days a cancelled customer's stack is kept before it is deprovisioned (at most 30: the deprovision
   * workflow's own bound).
   * @default 30
   */
  readonly billingRetentionDays: number;
  /**
   * Days a deprovisioned customer's final backup snapshot is kept before the daily sweep deletes it.
   * @default 90
   */
  readonly finalSnapshotRetentionDays: number;
  /**
   * Days a deprovisioned (or downgraded to starter) customer's messaging history is kept after its channels
   * are released, before the daily job deletes it (1 to 3650).
   * @default 30
   */
  readonly messagingHistoryRetentionDays: number;
  /** Optional: subscribed to the provisioning alarm topic. */
  readonly alarmEmail?: string;
  /**
   * Days between scheduled rotations of the JWT signing key (1 to 365).
   * @default 30
   */
  readonly signingKeyRotationDays: number;
  /**
   * Hours a customer whose server EC2 cannot give us (vCPU quota, no capacity, no address) waits as
   * `waiting_for_capacity` before provisioning rolls back (1 to 168).
   * @default 24
   */
  readonly capacityWaitHours: number;
}

/** Context keys, exported so tests and docs name the same keys. */
export const SETTINGS_CONTEXT_KEYS = {
  customerDomain: 'stackpro:customerDomain',
  hostedZoneId: 'stackpro:hostedZoneId',
  senderAddress: 'stackpro:senderAddress',
  frontendOrigin: 'stackpro:frontendOrigin',
  customerAmiSsmParameter: 'stackpro:customerAmiSsmParameter',
  stripePriceIds: 'stackpro:stripePriceIds',
  billingRetentionDays: 'stackpro:billingRetentionDays',
  finalSnapshotRetentionDays: 'stackpro:finalSnapshotRetentionDays',
  messagingHistoryRetentionDays: 'stackpro:messagingHistoryRetentionDays',
  alarmEmail: 'stackpro:alarmEmail',
  signingKeyRotationDays: 'stackpro:signingKeyRotationDays',
  capacityWaitHours: 'stackpro:capacityWaitHours',
} as const satisfies Record<keyof StackProSettings, string>;

/** Retention bounds: Stripe's own retries end after 3 days; the deprovision ASL refuses more than 30 days. */
export const MAX_BILLING_RETENTION_DAYS = 30;
const DEFAULT_BILLING_RETENTION_DAYS = 30;
/** A signing key older than a year is past any sensible policy; Secrets Manager itself allows up to 1000 days. */
export const MAX_SIGNING_KEY_ROTATION_DAYS = 365;
const DEFAULT_SIGNING_KEY_ROTATION_DAYS = 30;

/** A parsed value, or the problem as a phrase that follows the context key ("... must be ..."). */
type Parsed<T> = { readonly value: T } | { readonly problem: string };
type Parse<T> = (raw: unknown) => Parsed<T>;
type Check = (value: string) => string | undefined;

/** A string setting: the message quotes what was given. */
const text =
  (check: Check): Parse<string> =>
  (raw) => {
    if (typeof raw !== 'string') return { problem: `must be a string, got ${JSON.stringify(raw)}` };
    const problem = check(raw);
    return problem ? { problem: `${problem}, got "${raw}"` } : { value: raw };
  };

const hostname: Check = (value) =>
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(value)
    ? undefined
    : 'must be a lower-case DNS name such as customers.stackpro.io';

const hostedZoneId: Check = (value) =>
  /^Z[A-Z0-9]{1,31}$/.test(value) ? undefined : 'must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ';

const emailAddress: Check = (value) =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? undefined : 'must be an email address such as welcome@stackpro.io';

const origin: Check = (value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an origin such as https://app.stackpro.io';
  }
  const isLocal = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(isLocal && url.protocol === 'http:')) return 'must use https';
  // An origin has no path, query or trailing slash: browsers compare it byte for byte.
  if (url.origin !== value) return `must be a bare origin (did you mean ${url.origin}?)`;
  return undefined;
};

const ssmParameterName: Check = (value) =>
  /^\/[A-Za-z0-9_.\-/]+$/.test(value) ? undefined : 'must be an SSM parameter name starting with /';

/** Stripe price ids are `price_` and letters, digits or underscores. */
const STRIPE_PRICE_ID = /^price_[A-Za-z0-9_]+$/;

/**
 * A JSON object with exactly one Stripe price id per plan: an object in cdk.json, or its JSON text from
 * `-c stackpro:stripePriceIds='{"starter":"price_...",...}'`.
 */
const stripePriceIds: Parse<Record<PlanName, string>> = (raw) => {
  const expected = `a JSON object of ${PLAN_NAMES.join(', ')} to Stripe price ids (price_...)`;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { problem: `must be ${expected}, got "${raw}"` };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problem: `must be ${expected}, got ${JSON.stringify(raw)}` };
  }
  const entries = value as Record<string, unknown>;
  const problems: string[] = [];
  const missing = PLAN_NAMES.filter((plan) => !(plan in entries));
  const unknown = Object.keys(entries).filter((plan) => !(PLAN_NAMES as readonly string[]).includes(plan));
  if (missing.length > 0) problems.push(`has no price for ${missing.join(', ')}`);
  if (unknown.length > 0) problems.push(`names unknown plans ${unknown.join(', ')}`);
  for (const plan of PLAN_NAMES) {
    const id = entries[plan];
    if (plan in entries && (typeof id !== 'string' || !STRIPE_PRICE_ID.test(id))) {
      problems.push(`${plan} must be a Stripe price id such as price_1PqRsT..., got ${JSON.stringify(id)}`);
    }
  }
  if (problems.length > 0) return { problem: `must be ${expected}: it ${problems.join('; ')}` };
  return { value: Object.fromEntries(PLAN_NAMES.map((plan) => [plan, entries[plan] as string])) as Record<PlanName, string> };
};

/** Whole days, from a number in cdk.json or its text from `-c`. */
const retentionDays: Parse<number> = (raw) => {
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_BILLING_RETENTION_DAYS) {
    return { problem: `must be a whole number of days from 1 to ${MAX_BILLING_RETENTION_DAYS}, got ${JSON.stringify(raw)}` };
  }
  return { value };
};

/** Final backups: at least a day, at most ten years. */
export const MAX_FINAL_SNAPSHOT_RETENTION_DAYS = 3650;
export const DEFAULT_FINAL_SNAPSHOT_RETENTION_DAYS = 90;

const snapshotRetentionDays: Parse<number> = (raw) => {
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_FINAL_SNAPSHOT_RETENTION_DAYS) {
    return { problem: `must be a whole number of days from 1 to ${MAX_FINAL_SNAPSHOT_RETENTION_DAYS}, got ${JSON.stringify(raw)}` };
  }
  return { value };
};

/** Whole days from 1 to 365, from a number in cdk.json or its text from `-c`. */
const rotationDays: Parse<number> = (raw) => {
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SIGNING_KEY_ROTATION_DAYS) {
    return { problem: `must be a whole number of days from 1 to ${MAX_SIGNING_KEY_ROTATION_DAYS}, got ${JSON.stringify(raw)}` };
  }
  return { value };
};

/** Whole hours within the workflow's capacity wait bounds (statemachines/workflows.ts CAPACITY_WAIT). */
const capacityWaitHours: Parse<number> = (raw) => {
  const max = CAPACITY_WAIT.maxSeconds / 3600;
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    return { problem: `must be a whole number of hours from 1 to ${max}, got ${JSON.stringify(raw)}` };
  }
  return { value };
};

const PARSERS: { readonly [K in keyof StackProSettings]-?: Parse<NonNullable<StackProSettings[K]>> } = {
  customerDomain: text(hostname),
  hostedZoneId: text(hostedZoneId),
  senderAddress: text(emailAddress),
  frontendOrigin: text(origin),
  customerAmiSsmParameter: text(ssmParameterName),
  stripePriceIds,
  billingRetentionDays: retentionDays,
  finalSnapshotRetentionDays: snapshotRetentionDays,
  messagingHistoryRetentionDays: snapshotRetentionDays,
  alarmEmail: text(emailAddress),
  signingKeyRotationDays: rotationDays,
  capacityWaitHours,
};

/** Defaults of settings a deployment may leave out (`undefined`: stays unset). */
const DEFAULTS: Partial<Record<keyof StackProSettings, unknown>> = {
  billingRetentionDays: DEFAULT_BILLING_RETENTION_DAYS,
  finalSnapshotRetentionDays: DEFAULT_FINAL_SNAPSHOT_RETENTION_DAYS,
  messagingHistoryRetentionDays: 30,
  alarmEmail: undefined,
  signingKeyRotationDays: DEFAULT_SIGNING_KEY_ROTATION_DAYS,
  capacityWaitHours: CAPACITY_WAIT.defaultSeconds / 3600,
};

/** Settings a deployment may leave out; the rest are required. */
export const OPTIONAL_SETTINGS: ReadonlySet<keyof StackProSettings> = new Set(
  Object.keys(DEFAULTS) as (keyof StackProSettings)[],
);

/** Reads and validates every setting at once, so one synth reports all problems together. */
export function readSettings(scope: Construct): StackProSettings {
  const problems: string[] = [];
  const settings: Partial<Record<keyof StackProSettings, unknown>> = {};
  for (const field of Object.keys(PARSERS) as (keyof StackProSettings)[]) {
    const key = SETTINGS_CONTEXT_KEYS[field];
    const raw: unknown = scope.node.tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') {
      if (!OPTIONAL_SETTINGS.has(field)) problems.push(`${key} is missing`);
      else if (DEFAULTS[field] !== undefined) settings[field] = DEFAULTS[field];
      continue;
    }
    const parsed = (PARSERS[field] as Parse<unknown>)(raw);
    if ('problem' in parsed) problems.push(`${key} ${parsed.problem}`);
    else settings[field] = parsed.value;
  }
  if (problems.length > 0) {
    throw new Error(
      `Invalid StackPro deployment settings (set them in cdk.json "context" or with -c key=value):\n  - ${problems.join('\n  - ')}`,
    );
  }
  return settings as unknown as StackProSettings;
}
