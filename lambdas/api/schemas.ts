import * as z from 'zod';
import { PLAN_NAMES } from '../core/plans';
import { CUSTOMER_STATUSES } from '../core/customer';

/** Request bodies. Strict: an unknown field is an error, not silently ignored. */

/** "is required" when absent, "must be a string" when present with another type. */
const stringError = (label: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `${label} is required.` : `${label} must be a string.`;
const name = (label: string, max: number) =>
  z
    .string({ error: stringError(label) })
    .trim()
    .min(1, `${label} is required.`)
    .max(max, `${label} must be at most ${max} characters.`);

const email = z
  .string({ error: stringError('email') })
  .trim()
  .max(254, 'email must be at most 254 characters.')
  // RFC 5321 section 4.5.3.1.1: a mailbox's local part is at most 64 octets (the whole path at most 254).
  .refine((value) => value.lastIndexOf('@') <= 64, 'email local part must be at most 64 characters.')
  .pipe(z.email('email is not a valid address.'));

const password = z
  .string({ error: stringError('password') })
  .min(12, 'password must be at least 12 characters.')
  .max(256, 'password must be at most 256 characters.');

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
    password: z.string({ error: stringError('password') }).min(1, 'password is required.').max(256, 'password must be at most 256 characters.'),
  },
  { error: 'The body must be a JSON object.' },
);

export const RefreshBody = z.strictObject(
  { refreshToken: z.string({ error: stringError('refreshToken') }).min(1, 'refreshToken is required.').max(512, 'refreshToken is too long.') },
  { error: 'The body must be a JSON object.' },
);

/** A verification token is 43 base64url characters; anything far off is refused before any lookup. */
export const VerifyEmailBody = z.strictObject(
  {
    token: z
      .string({ error: stringError('token') })
      .trim()
      .min(1, 'token is required.')
      .max(128, 'token is too long.')
      .regex(/^[A-Za-z0-9_-]+$/, 'token must be the code from the email.'),
  },
  { error: 'The body must be a JSON object.' },
);

export const PasswordResetBody = z.strictObject({ email }, { error: 'The body must be a JSON object.' });

export const PasswordResetConfirmBody = z.strictObject(
  {
    token: z.string({ error: stringError('token') }).min(1, 'token is required.').max(512, 'token is too long.'),
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
    status: z.enum(CUSTOMER_STATUSES, { error: `status must be one of ${CUSTOMER_STATUSES.join(', ')}.` }).optional().describe('Only customers with this status.'),
    plan: z.enum(PLAN_NAMES, { error: 'plan must be starter, business or enterprise.' }).optional().describe('Only customers on this plan.'),
    email: z.string().trim().min(3, 'email is too short.').max(254, 'email is too long.').optional().describe('Find the customer with this email (case-insensitive).'),
    subdomain: z
      .string()
      .trim()
      .max(253, 'subdomain is too long.')
      .regex(/^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})*$/i, 'subdomain must be a DNS name or its first label.')
      .optional()
      .describe('Find the customer with this subdomain (`acme` or `acme.<customer domain>`).'),
    limit: z.coerce.number({ error: 'limit must be a number.' }).int('limit must be a whole number.').min(1, 'limit must be at least 1.').max(100, 'limit must be at most 100.').optional().describe('Customers per page, 1 to 100 (default 25).'),
    cursor: z.string().max(2048, 'cursor is too long.').optional().describe('`nextCursor` of the previous page, with the same filters.'),
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
      .regex(/^snap-[0-9a-f]{8,17}$/, 'recoveryPointId must be a recovery point id (snap-...).'),
  },
  { error: 'The body must be a JSON object.' },
);
