import { CUSTOMER_SECRETS, type CustomerSecret } from '../lambdas/core/customer-secrets';

/**
 * The containers on every customer server, run by the deploy document (lib/deploy-document.ts). Each image
 * is pinned by digest (a tag can be moved to other bits; a digest cannot), next to the tag it was published
 * as for people to read. Every container runs with no-new-privileges and `--cap-drop ALL`, adds back only
 * the capabilities its entrypoint needs, and gets only its own secrets. test/infra fails if a floating tag
 * comes back.
 *
 * Where each digest comes from (no registry is reachable from this repository's build; the digests were
 * taken from public, digest-pinned configurations and must be re-checked with `docker buildx imagetools
 * inspect <image>` before a release):
 * - Roundcube 1.6.14 `apache-nonroot` (CVE-2025-49113 is fixed from 1.6.11): a Renovate-maintained NixOS
 *   configuration pinning `docker.io/roundcube/roundcubemail:1.6.14-apache-nonroot@sha256:...`.
 * - nginx 1.28.0 unprivileged: CyberChef's Dockerfile (`nginxinc/nginx-unprivileged:1.28.0@sha256:...`).
 * - EspoCRM 10.0.8 (Apache, PHP 8.4): a public EspoCRM image build pinned to `espocrm/espocrm@sha256:...`.
 * - MariaDB 11.4 and Caddy 2.10.2 (alpine): public compose files and Dockerfiles pinning these digests.
 */
export interface CustomerContainer {
  /** Container name, also its host name on the `stackpro` network (the Caddyfile proxies to it). */
  readonly name: string;
  /** `<repository>:<tag>@sha256:<digest>`: the digest is what Docker pulls; the tag is for readers. */
  readonly image: string;
  /** Whether the image runs as a non-root user on its own (chosen so where the image allows). */
  readonly nonRoot: boolean;
  /** Capabilities added back after `--cap-drop ALL`: only what the image's entrypoint needs as root. */
  readonly capAdd: readonly string[];
  /** Secrets it gets, as environment variable name to customer secret (nothing else gets them). */
  readonly secrets: Readonly<Record<string, CustomerSecret>>;
  /** Plain settings; `$SUBDOMAIN` is expanded by the deploy script. */
  readonly env: Readonly<Record<string, string>>;
  /** Extra `docker run` arguments: published ports and data volumes. */
  readonly args: readonly string[];
  /** The port it serves HTTP on inside the network (the proxy's upstream); none for the proxy itself. */
  readonly port?: number;
}

/** Official entrypoints that start as root only to fix ownership and drop to their service user. */
const ENTRYPOINT_DROPS_TO_USER = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];

export const CUSTOMER_CONTAINERS: readonly CustomerContainer[] = [
  {
    name: 'db',
    image: 'mariadb:11.4@sha256:a794d9eb009e20de605858a11f32f63b4075cbd197c650436f0e3b457e4caed7',
    nonRoot: false,
    capAdd: ENTRYPOINT_DROPS_TO_USER,
    secrets: { MARIADB_ROOT_PASSWORD: 'dbRootPassword', MARIADB_PASSWORD: 'crmDbPassword' },
    env: { MARIADB_DATABASE: 'espocrm', MARIADB_USER: 'espocrm' },
    args: ['-v', 'db-data:/var/lib/mysql'],
  },
  {
    name: 'crm',
    image: 'espocrm/espocrm:10.0.8@sha256:817f2b063de2c9dc2655fedbf1960af33c9b04e84d61a4b95f243e8e9189de69',
    nonRoot: false,
    // Apache binds port 80 as root, then serves as www-data.
    capAdd: [...ENTRYPOINT_DROPS_TO_USER, 'NET_BIND_SERVICE'],
    secrets: { ESPOCRM_DATABASE_PASSWORD: 'crmDbPassword', ESPOCRM_ADMIN_PASSWORD: 'crmAdminPassword' },
    env: { ESPOCRM_DATABASE_HOST: 'db', ESPOCRM_DATABASE_USER: 'espocrm', ESPOCRM_ADMIN_USERNAME: 'admin', ESPOCRM_SITE_URL: 'https://$SUBDOMAIN/crm' },
    args: ['-v', 'crm-data:/var/www/html'],
    port: 80,
  },
  {
    name: 'mail',
    image: 'roundcube/roundcubemail:1.6.14-apache-nonroot@sha256:933f38747cef9fe3ce1cda26bbc81c2c9547b39d047643717a5348982169e38b',
    nonRoot: true,
    capAdd: [],
    secrets: { ROUNDCUBEMAIL_DES_KEY: 'mailDesKey' },
    env: {},
    args: ['-v', 'mail-data:/var/roundcube/db'],
    port: 8000,
  },
  {
    name: 'website',
    image: 'nginxinc/nginx-unprivileged:1.28.0@sha256:cafbd84f76d7ccb0a2346f4c5209c3e494533d82ba3821f552c2e08a99111476',
    nonRoot: true,
    capAdd: [],
    secrets: {},
    env: {},
    args: [],
    port: 8080,
  },
  {
    name: 'proxy',
    image: 'caddy:2.10.2-alpine@sha256:4c6e91c6ed0e2fa03efd5b44747b625fec79bc9cd06ac5235a779726618e530d',
    // Root only for ports 80 and 443: under no-new-privileges a non-root Caddy cannot gain the file
    // capability to bind them, and its certificates live in the caddy-data volume.
    nonRoot: false,
    capAdd: ['NET_BIND_SERVICE'],
    secrets: {},
    env: {},
    args: ['-p', '80:80', '-p', '443:443', '-v', '"$APP_DIR/Caddyfile:/etc/caddy/Caddyfile:ro"', '-v', 'caddy-data:/data'],
  },
];

/** Every secret some container needs: the deploy script reads these and nothing else. */
export function secretsInUse(): CustomerSecret[] {
  const used = new Set(CUSTOMER_CONTAINERS.flatMap((container) => Object.values(container.secrets)));
  return (Object.keys(CUSTOMER_SECRETS) as CustomerSecret[]).filter((secret) => used.has(secret));
}

/** A digest-pinned image reference: `<repository>[:<tag>]@sha256:<64 hex>`. */
export const PINNED_IMAGE = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[A-Za-z0-9_.-]+)?@sha256:[0-9a-f]{64}$/;
