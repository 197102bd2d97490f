/**
 * DNS-safe slugs for customer subdomains: one DNS label of lowercase letters, digits and inner hyphens.
 * We keep it to 40 characters so `<slug>.<domain>` and the execution name stay within their limits.
 */
export const MAX_SLUG_LENGTH = 40;

/**
 * Names that must never be a customer's subdomain as they are: our own hosts and mail names, and names a
 * phishing page would pick. A slug that equals one of them gets a random suffix, as a taken slug does.
 */
const RESERVED = new Set([
  'www', 'api', 'app', 'admin', 'mail', 'smtp', 'imap', 'pop', 'ftp', 'ns1', 'ns2', 'login', 'signin', 'account', 'auth',
  'status', 'support', 'help', 'billing', 'pay', 'secure', 'stackpro', 'localhost',
]);

/**
 * Well-known brands: a slug that is one of them, or starts with one as its first word (`paypal-billing`),
 * gets a suffix, so `paypal.<our domain>` never exists. Kept short on purpose: it is a speed bump, not a
 * trademark register (README "Field rules").
 */
const BRANDS = new Set([
  'google', 'gmail', 'microsoft', 'outlook', 'office365', 'apple', 'icloud', 'amazon', 'aws', 'paypal', 'stripe',
  'facebook', 'instagram', 'whatsapp', 'netflix', 'github', 'dropbox', 'linkedin', 'yahoo', 'docusign',
]);

/** True when `slug` must not be used as it is (see RESERVED and BRANDS). */
export function isReservedSlug(slug: string): boolean {
  const firstWord = slug.split('-')[0] ?? slug;
  return RESERVED.has(slug) || BRANDS.has(firstWord) || firstWord.startsWith('stackpro');
}

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
  return base.length === 0 ? 'customer' : base;
}

/** The first subdomain to try for `baseSlug`: itself, or with a suffix when it is reserved. */
export function firstSlug(baseSlug: string, suffix: () => string): string {
  return isReservedSlug(baseSlug) ? slugWithSuffix(baseSlug, suffix()) : baseSlug;
}

/** A variant of `slug` for when it is taken: a short random suffix, still within the length limit. */
export function slugWithSuffix(slug: string, suffix: string): string {
  const head = slug.slice(0, MAX_SLUG_LENGTH - suffix.length - 1).replace(/-+$/g, '');
  return `${head}-${suffix}`;
}
