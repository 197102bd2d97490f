import type { z } from 'zod';
import type { ListCustomersQuery } from '../api/schemas';
import { CUSTOMER_STATUSES, type CustomerStatus, normalizeEmail } from '../core/customer';
import { ValidationError } from '../core/errors';
import { getCustomer } from '../repositories/accounts';
import { type CustomerListing, customerIdBy, listingOf, type PageKey, queryCustomersByStatus } from '../repositories/customer-directory';

export type CustomerQuery = z.output<typeof ListCustomersQuery>;

export interface CustomerPage {
  readonly items: readonly CustomerListing[];
  /** Pass back as `cursor` for the next page; absent on the last one. */
  readonly nextCursor?: string;
}

export const DEFAULT_PAGE_SIZE = 25;
/** Queries one request may make: a rare plan filtered over many statuses returns a short page, not a long request. */
const MAX_QUERIES_PER_PAGE = 10;

interface Cursor {
  /** Index into the statuses walked; the filters it was issued for, so it cannot be replayed under others. */
  readonly i: number;
  readonly k?: PageKey;
  readonly status?: CustomerStatus;
  readonly plan?: string;
}

const badCursor = () => new ValidationError([{ field: 'cursor', message: 'cursor is not one this API issued for these filters.' }]);

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** A cursor we issued for these filters, or 400: its key goes to DynamoDB only when it is a profile's keys. */
export function decodeCursor(raw: string, query: CustomerQuery, statuses: readonly CustomerStatus[]): Cursor {
  let cursor: Cursor;
  try {
    cursor = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
  } catch {
    throw badCursor();
  }
  if (typeof cursor !== 'object' || cursor === null || !Number.isInteger(cursor.i) || cursor.i < 0 || cursor.i >= statuses.length) throw badCursor();
  if (cursor.status !== query.status || cursor.plan !== query.plan) throw badCursor();
  if (cursor.k !== undefined) {
    const k = cursor.k as Record<string, unknown>;
    const strings = ['pk', 'sk', 'status', 'createdAt'].every((name) => typeof k[name] === 'string');
    if (!strings || Object.keys(k).length !== 4 || k.sk !== 'PROFILE' || !String(k.pk).startsWith('CUSTOMER#') || k.status !== statuses[cursor.i]) throw badCursor();
  }
  return cursor;
}

/** A found customer, if it passes the status and plan filters too. */
async function find(query: CustomerQuery): Promise<CustomerPage> {
  const customerId = query.email
    ? await customerIdBy('email', normalizeEmail(query.email))
    : await customerIdBy('slug', query.subdomain!.toLowerCase().split('.')[0]);
  const customer = customerId ? await getCustomer(customerId) : undefined;
  const matches = customer && (!query.status || customer.status === query.status) && (!query.plan || customer.plan === query.plan);
  return { items: matches ? [listingOf(customer)] : [] };
}

/**
 * The operators' customer list: by email or subdomain (one GetItem on the uniqueness item, one on the
 * profile), or by status and plan through the CustomersByStatus index, newest first, paged with an opaque
 * cursor. Without a status it walks the statuses in a fixed order. Nothing scans the table.
 */
export async function listCustomers(query: CustomerQuery): Promise<CustomerPage> {
  if (query.email || query.subdomain) {
    if (query.cursor) throw new ValidationError([{ field: 'cursor', message: 'cursor pages a list; email and subdomain find one customer.' }]);
    return find(query);
  }
  const statuses = query.status ? [query.status] : CUSTOMER_STATUSES;
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const start = query.cursor ? decodeCursor(query.cursor, query, statuses) : { i: 0 };
  let index = start.i;
  let key = start.k;
  const items: CustomerListing[] = [];
  for (let queries = 0; index < statuses.length && items.length < limit && queries < MAX_QUERIES_PER_PAGE; queries += 1) {
    const page = await queryCustomersByStatus(statuses[index], { limit: limit - items.length, plan: query.plan, startKey: key });
    items.push(...page.items);
    key = page.nextKey;
    if (!key) index += 1;
  }
  const nextCursor = index < statuses.length ? encodeCursor({ i: index, ...(key ? { k: key } : {}), status: query.status, plan: query.plan }) : undefined;
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}
