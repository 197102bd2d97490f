/**
 * DNS-safe slugs for customer subdomains: one DNS label of lowercase letters, digits and inner hyphens.
 * We keep it to 40 characters so `<slug>.<domain>` and the execution name stay within their limits.
 */
export const MAX_SLUG_LENGTH = 40;

/** Names that must never become a customer subdomain (our own hosts, mail and confusing ones). */
const RESERVED = new Set(['www', 'api', 'app', 'admin', 'mail', 'smtp', 'imap', 'pop', 'ftp', 'ns1', 'ns2', 'status', 'support', 'help', 'billing', 'stackpro', 'localhost']);

export function slugify(company: string): string {
  const base = company
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/g, '');
  if (base.length === 0) return 'customer';
  return RESERVED.has(base) ? `${base}-co` : base;
}

/** A variant of `slug` for when it is taken: a short random suffix, still within the length limit. */
export function slugWithSuffix(slug: string, suffix: string): string {
  const head = slug.slice(0, MAX_SLUG_LENGTH - suffix.length - 1).replace(/-+$/g, '');
  return `${head}-${suffix}`;
}
