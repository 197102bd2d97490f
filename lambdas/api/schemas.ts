import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { PLAN_NAMES } from '../core/plans';
import { CUSTOMER_STATUSES } from '../core/customer';

/**
 * Request bodies. Strict: an unknown field is an error, not silently ignored.
 *
 * Written with zod/mini, zod's tree-shakable API (the same package, checks and JSON Schema): a route that
 * validates a body carries about 20 KB of zod instead of the classic API's 90 KB. The OpenAPI document is
 * generated from these very schemas. zod/mini has no messages of its own: English ones, as the classic
 * API's, for the few checks below without a message of ours.
 */
z.config(en());

/** "is required" when absent, "must be a string" when present with another type. */
const stringError = (label: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `${label} is required.` : `${label} must be a string.`;
const name = (label: string, max: number) =>
  z.string({ error: stringError(label) }).check(z.trim(), z.minLength(1, `${label} is required.`), z.maxLength(max, `${label} must be at most ${max} characters.`));

const email = z.pipe(
  z.string({ error: stringError('email') }).check(
    z.trim(),
    z.maxLength(254, 'email must be at most 254 characters.'),
    // RFC 5321 section 4.5.3.1.1: a mailbox's local part is at most 64 octets (the whole path at most 254).
    z.refine((value) => value.lastIndexOf('@') <= 64, 'email local part must be at most 64 characters.'),
  ),
  z.email('email is not a valid address.'),
);

const password = z
  .string({ error: stringError('password') })
  .check(z.minLength(12, 'password must be at least 12 characters.'), z.maxLength(256, 'password must be at most 256 characters.'));

export const SignUpBody = z.strictObject(
  {
    firstName: name('firstName', 100),
    lastName: name('lastName', 100),
    email,
    company: name('company', 255),
    password,
    plan: z.enum(PLAN_NAMES, {
      error: (issue) => (issue.input === undefined ? 'plan is required.' : `plan must be one of ${PLAN_NAMES.join(', ')}.`),
    }),
  },
  { error: 'The body must be a JSON object.' },
);
export type SignUpBody = z.infer<typeof SignUpBody>;

export const LogInBody = z.strictObject(
  {
    email,
    // Any length is accepted here: the limits are for choosing a password, not for typing one.
    password: z
      .string({ error: stringError('password') })
      .check(z.minLength(1, 'password is required.'), z.maxLength(256, 'password must be at most 256 characters.')),
  },
  { error: 'The body must be a JSON object.' },
);

export const RefreshBody = z.strictObject(
  {
    refreshToken: z
      .string({ error: stringError('refreshToken') })
      .check(z.minLength(1, 'refreshToken is required.'), z.maxLength(512, 'refreshToken is too long.')),
  },
  { error: 'The body must be a JSON object.' },
);

/** A verification token is 43 base64url characters; anything far off is refused before any lookup. */
export const VerifyEmailBody = z.strictObject(
  {
    token: z
      .string({ error: stringError('token') })
      .check(
        z.trim(),
        z.minLength(1, 'token is required.'),
        z.maxLength(128, 'token is too long.'),
        z.regex(/^[A-Za-z0-9_-]+$/, 'token must be the code from the email.'),
      ),
  },
  { error: 'The body must be a JSON object.' },
);

export const PasswordResetBody = z.strictObject({ email }, { error: 'The body must be a JSON object.' });

export const PasswordResetConfirmBody = z.strictObject(
  {
    token: z.string({ error: stringError('token') }).check(z.minLength(1, 'token is required.'), z.maxLength(512, 'token is too long.')),
    // The same rules as choosing a password at signup.
    password,
  },
  { error: 'The body must be a JSON object.' },
);

/** Logout names the session by one of its refresh tokens, as refresh does. */
export const LogOutBody = RefreshBody;

/**
 * The operators' customer list (`GET /admin/customers`): filters and paging as query parameters. `email` or
 * `subdomain` finds one customer (status and plan then filter it); otherwise the list pages by `cursor`.
 */
export const ListCustomersQuery = z.strictObject(
  {
    status: z
      .optional(z.enum(CUSTOMER_STATUSES, { error: `status must be one of ${CUSTOMER_STATUSES.join(', ')}.` }))
      .check(z.describe('Only customers with this status.')),
    plan: z.optional(z.enum(PLAN_NAMES, { error: 'plan must be starter, business or enterprise.' })).check(z.describe('Only customers on this plan.')),
    email: z
      .optional(z.string().check(z.trim(), z.minLength(3, 'email is too short.'), z.maxLength(254, 'email is too long.')))
      .check(z.describe('Find the customer with this email (case-insensitive).')),
    subdomain: z
      .optional(
        z
          .string()
          .check(
            z.trim(),
            z.maxLength(253, 'subdomain is too long.'),
            z.regex(/^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})*$/i, 'subdomain must be a DNS name or its first label.'),
          ),
      )
      .check(z.describe('Find the customer with this subdomain (`acme` or `acme.<customer domain>`).')),
    limit: z
      .optional(
        z.coerce
          .number({ error: 'limit must be a number.' })
          .check(z.int('limit must be a whole number.'), z.gte(1, 'limit must be at least 1.'), z.lte(100, 'limit must be at most 100.')),
      )
      .check(z.describe('Customers per page, 1 to 100 (default 25).')),
    cursor: z
      .optional(z.string().check(z.maxLength(2048, 'cursor is too long.')))
      .check(z.describe('`nextCursor` of the previous page, with the same filters.')),
  },
  { error: 'Unknown query parameter.' },
);

/** POST /billing/plan: the plan to move to. */
export const ChangePlanBody = z.strictObject(
  {
    plan: z.enum(PLAN_NAMES, {
      error: (issue) => (issue.input === undefined ? 'plan is required.' : `plan must be one of ${PLAN_NAMES.join(', ')}.`),
    }),
  },
  { error: 'The body must be a JSON object.' },
);
export type ChangePlanBody = z.infer<typeof ChangePlanBody>;

/** `POST /admin/customers/{id}/restore`: the recovery point to restore (an id `GET /customers/{id}/backups` lists). */
export const RestoreCustomerBody = z.strictObject(
  {
    recoveryPointId: z
      .string({ error: (issue) => (issue.input === undefined ? 'recoveryPointId is required.' : 'recoveryPointId must be a string.') })
      .check(z.regex(/^snap-[0-9a-f]{8,17}$/, 'recoveryPointId must be a recovery point id (snap-...).')),
  },
  { error: 'The body must be a JSON object.' },
);
