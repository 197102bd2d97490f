import type { Construct } from 'constructs';

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
  /** Optional: subscribed to the provisioning alarm topic. */
  readonly alarmEmail?: string;
}

/** Context keys, exported so tests and docs name the same keys. */
export const SETTINGS_CONTEXT_KEYS = {
  customerDomain: 'stackpro:customerDomain',
  hostedZoneId: 'stackpro:hostedZoneId',
  senderAddress: 'stackpro:senderAddress',
  frontendOrigin: 'stackpro:frontendOrigin',
  customerAmiSsmParameter: 'stackpro:customerAmiSsmParameter',
  alarmEmail: 'stackpro:alarmEmail',
} as const satisfies Record<keyof StackProSettings, string>;

type Check = (value: string) => string | undefined;

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

const CHECKS: Record<keyof StackProSettings, Check> = {
  customerDomain: hostname,
  hostedZoneId,
  senderAddress: emailAddress,
  frontendOrigin: origin,
  customerAmiSsmParameter: ssmParameterName,
  alarmEmail: emailAddress,
};

/** Settings a deployment may leave out; the rest are required. */
export const OPTIONAL_SETTINGS: ReadonlySet<keyof StackProSettings> = new Set(['alarmEmail']);

/** Reads and validates every setting at once, so one synth reports all problems together. */
export function readSettings(scope: Construct): StackProSettings {
  const problems: string[] = [];
  const settings: Partial<Record<keyof StackProSettings, string>> = {};
  for (const field of Object.keys(CHECKS) as (keyof StackProSettings)[]) {
    const key = SETTINGS_CONTEXT_KEYS[field];
    const raw: unknown = scope.node.tryGetContext(key);
    if (raw === undefined || raw === null || raw === '') {
      if (!OPTIONAL_SETTINGS.has(field)) problems.push(`${key} is missing`);
      continue;
    }
    if (typeof raw !== 'string') {
      problems.push(`${key} must be a string, got ${JSON.stringify(raw)}`);
      continue;
    }
    const problem = CHECKS[field](raw);
    if (problem) problems.push(`${key} ${problem}, got "${raw}"`);
    else settings[field] = raw;
  }
  if (problems.length > 0) {
    throw new Error(
      `Invalid StackPro deployment settings (set them in cdk.json "context" or with -c key=value):\n  - ${problems.join('\n  - ')}`,
    );
  }
  return settings as StackProSettings;
}
