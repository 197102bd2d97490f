import { randomInt, randomUUID } from 'node:crypto';
import type { CustomerStatus } from '../../../lambdas/core/customer';
import { customerIdBy, type PageKey, queryCustomersByStatus } from '../../../lambdas/repositories/customer-directory';
import { keys } from '../../../lambdas/repositories/keys';
import { putItem, uniqueEmail, uniqueSlug } from './table';

/**
 * The operators' list against DynamoDB Local (the repositories project). The CustomersByStatus index holds
 * only items with a status and a createdAt: here, profiles in statuses no other repository test lists them
 * in, created in a far-future year of each test's own, so a newest-first Query meets them first.
 */
async function profiles(status: CustomerStatus, plans: readonly string[]) {
  const year = randomInt(5000, 9000);
  const made = plans.map((plan, i) => ({
    customerId: randomUUID(),
    email: uniqueEmail(),
    company: 'Acme',
    plan,
    status,
    subdomain: `${uniqueSlug()}.customers.example`,
    createdAt: `${year}-01-01T00:00:0${i}.000Z`,
  }));
  await Promise.all(made.map((profile) => putItem({ ...keys.customer(profile.customerId), type: 'customer', ...profile, firstName: 'Ada', passwordHash: 'never-listed' })));
  return made;
}

async function mine(status: CustomerStatus, ids: ReadonlySet<string>, options: { limit: number; plan?: 'starter' | 'business' }) {
  const pages = [];
  let startKey: PageKey | undefined;
  do {
    const page = await queryCustomersByStatus(status, { ...options, startKey });
    pages.push(page.items.filter((item) => ids.has(item.customerId)));
    startKey = page.nextKey;
  } while (startKey && pages.flat().length < ids.size);
  return pages;
}

describe('queryCustomersByStatus', () => {
  it('lists one status newest first, a page at a time from where the last stopped, with only the listed fields', async () => {
    const made = await profiles('resuming', ['starter', 'business', 'starter']);
    const pages = await mine('resuming', new Set(made.map((profile) => profile.customerId)), { limit: 2 });

    expect(pages.flat()).toEqual([...made].reverse());
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[0].length).toBeLessThanOrEqual(2);
    // The projected fields only: never the password hash or other profile fields.
    expect(JSON.stringify(pages)).not.toContain('never-listed');
    expect(pages.flat()[0]).not.toHaveProperty('firstName');
  });

  it('filters by plan inside the Query (a page may then hold fewer than the limit), and lists no other status', async () => {
    const made = await profiles('suspending', ['business', 'starter', 'business']);
    const other = await profiles('resuming', ['business']);
    const ids = new Set([...made, ...other].map((profile) => profile.customerId));

    const found = (await mine('suspending', ids, { limit: 10, plan: 'business' })).flat();

    expect(found.map((item) => item.customerId)).toEqual([made[2].customerId, made[0].customerId]);
    expect(found.every((item) => item.plan === 'business' && item.status === 'suspending')).toBe(true);
  });
});

describe('customerIdBy', () => {
  it('finds the customer an email or subdomain item points at, and nothing for a free one', async () => {
    const customerId = randomUUID();
    const email = uniqueEmail();
    const slug = uniqueSlug();
    await putItem({ ...keys.credentials(email), type: 'credentials', customerId, passwordHash: 'h' });
    await putItem({ ...keys.slug(slug), type: 'slug', customerId });

    expect(await customerIdBy('email', email)).toBe(customerId);
    expect(await customerIdBy('slug', slug)).toBe(customerId);
    expect(await customerIdBy('email', uniqueEmail())).toBeUndefined();
    expect(await customerIdBy('slug', slug.toUpperCase())).toBeUndefined();
  });
});
