import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { APP_VERSIONS, APP_VERSION_PATTERN, findAppVersion } from '../core/app-versions';
import { MAX_FLEET_CONCURRENCY, MAX_LISTED_CUSTOMERS } from '../core/fleet-limits';
import { PLAN_NAMES } from '../core/plans';

// zod/mini, as lambdas/api/schemas.ts (the route carries about 20 KB of zod, not 90 KB); its response body,
// for the OpenAPI document only, is in contract/fleet-responses.ts.
z.config(en());

const knownVersions = APP_VERSIONS.map((entry) => entry.version).join(', ');

/** A whole number in [min, max], each bound with its own message, as the classic API's `.int().min().max()`. */
const wholeNumber = (label: string, min: number, max: number) =>
  z
    .number({ error: `${label} must be a number.` })
    .check(z.int(`${label} must be a whole number.`), z.gte(min, `${label} must be at least ${min}.`), z.lte(max, `${label} must be at most ${max}.`));

/** `POST /admin/fleet-updates`: exactly one target form; every bound explicit, so a typo cannot mean "everyone at once". */
export const StartFleetUpdateBody = z.strictObject({
  version: z
    .string({ error: 'version is required.' })
    .check(
      z.regex(APP_VERSION_PATTERN, 'version must look like 2026.12.0.'),
      z.refine((version) => findAppVersion(version) !== undefined, { error: `version must be one of ${knownVersions} (lambdas/core/app-versions.json).` }),
      z.describe('The app version to roll (lambdas/core/app-versions.json).'),
    ),
  target: z
    .union(
      [
        z.strictObject({ all: z.literal(true, { error: 'all must be true.' }) }),
        z.strictObject({ plan: z.enum(PLAN_NAMES, { error: 'plan must be starter, business or enterprise.' }) }),
        z.strictObject({
          customerIds: z
            .array(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, 'each customer id must be an id we issued.')))
            .check(
              z.minLength(1, 'customerIds must name at least one customer.'),
              z.maxLength(MAX_LISTED_CUSTOMERS, `customerIds may name at most ${MAX_LISTED_CUSTOMERS} customers.`),
            ),
        }),
      ],
      { error: 'target must be {all: true}, {plan} or {customerIds}.' },
    )
    .check(z.describe('Every active customer, one plan\'s active customers, or a list (only the active ones are touched).')),
  maxConcurrent: wholeNumber('maxConcurrent', 1, MAX_FLEET_CONCURRENCY).check(z.describe('How many customers are updated concurrently: the Map\'s MaxConcurrency.')),
  maxFailures: wholeNumber('maxFailures', 0, 1000).check(z.describe('Failures tolerated: once more have failed, every customer not started yet is skipped.')),
  attempt: z
    .optional(wholeNumber('attempt', 1, 1000))
    .check(z.describe('The same request is the same update (idempotent); to run it again (retry the failed), send the next attempt.')),
});
