import { provisioningExecutionName } from '../../../lambdas/core/customer';
import { MAX_SLUG_LENGTH, firstSlug, isReservedSlug, slugWithSuffix, slugify } from '../../../lambdas/core/slug';

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

describe('slugify', () => {
  it.each([
    ['Acme Corp', 'acme-corp'],
    ['  Ünïcödé Café & Bar!! ', 'unicode-cafe-and-bar'],
    ['---', 'customer'],
    ['日本', 'customer'],
    ['www', 'www'],
    ['ACME---Widgets, Inc.', 'acme-widgets-inc'],
  ])('turns %p into the DNS label %p', (company, slug) => {
    expect(slugify(company)).toBe(slug);
    expect(slugify(company)).toMatch(DNS_LABEL);
  });

  it('never exceeds the label budget nor ends with a hyphen', () => {
    const slug = slugify('a'.repeat(39) + ' b' + 'c'.repeat(300));
    expect(slug.length).toBeLessThanOrEqual(MAX_SLUG_LENGTH);
    expect(slug).toMatch(DNS_LABEL);
  });

  it('adds a suffix within the budget', () => {
    const slug = slugWithSuffix('x'.repeat(MAX_SLUG_LENGTH), 'a1b2c3');
    expect(slug).toHaveLength(MAX_SLUG_LENGTH);
    expect(slug.endsWith('-a1b2c3')).toBe(true);
  });
});

describe('reserved slugs', () => {
  it.each(['www', 'api', 'admin', 'mail', 'login', 'billing', 'support', 'status', 'stackpro', 'stackpro-billing', 'paypal', 'paypal-support', 'google'])(
    '%p gets a random suffix like a taken slug',
    (slug) => {
      expect(isReservedSlug(slug)).toBe(true);
      const chosen = firstSlug(slug, () => 'a1b2c3');
      expect(chosen).toBe(slugWithSuffix(slug, 'a1b2c3'));
      expect(chosen).toMatch(DNS_LABEL);
    },
  );

  it.each(['acme-corp', 'www-widgets', 'mailbox-rentals', 'supportive-care', 'customer'])('%p is used as it is', (slug) => {
    expect(isReservedSlug(slug)).toBe(false);
    expect(firstSlug(slug, () => 'a1b2c3')).toBe(slug);
  });

  it('asks for a suffix only when it needs one', () => {
    const suffix = jest.fn(() => 'a1b2c3');
    firstSlug('acme-corp', suffix);
    expect(suffix).not.toHaveBeenCalled();
  });
});

describe('provisioningExecutionName', () => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it('reads as the company and stays unique by customer id', () => {
    expect(provisioningExecutionName('acme-corp', id)).toBe(`acme-corp-${id}`);
  });

  it('adds an attempt suffix on retries and stays within 80 valid characters', () => {
    const name = provisioningExecutionName('x'.repeat(MAX_SLUG_LENGTH), id, 12);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+-attempt-12$/);
    expect(name).toContain(id);
  });
});
