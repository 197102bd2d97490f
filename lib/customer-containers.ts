import { APP_VERSIONS, CURRENT_APP_VERSION, findAppVersion } from '../lambdas/core/app-versions';
import { CUSTOMER_SECRETS, type CustomerSecret } from '../lambdas/core/customer-secrets';

/**
 * The containers on every customer server, run by the deploy document (lib/deploy-document.ts). Each image
 * is pinned by digest (a tag can be moved to other bits; a digest cannot), next to the tag it was published
 * as for people to read. Every container runs with no-new-privileges and `--cap-drop ALL`, adds back only
 * the capabilities its entrypoint needs, and gets only its own secrets. test/infra fails if a floating tag
 * comes back.
 *
 * The images themselves live in the one app versions file (lambdas/core/app-versions.json); `image` here
 * is the current version's, and the deploy document picks a version's images at run time (AppVersion).
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
  /** The current version's `<repository>:<tag>@sha256:<digest>`: the digest is what Docker pulls; the tag is for readers. */
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

/** The current app version's image for a container (lambdas/core/app-versions.json). */
function currentImage(name: string): string {
  const image = findAppVersion(CURRENT_APP_VERSION)?.images[name];
  if (!image) throw new Error(`app-versions.json: ${CURRENT_APP_VERSION} names no image for ${name}`);
  return image;
}

/** Official entrypoints that start as root only to fix ownership and drop to their service user. */
const ENTRYPOINT_DROPS_TO_USER = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];

export const CUSTOMER_CONTAINERS: readonly CustomerContainer[] = [
  {
    name: 'db',
    image: currentImage('db'),
    nonRoot: false,
    capAdd: ENTRYPOINT_DROPS_TO_USER,
    secrets: { MARIADB_ROOT_PASSWORD: 'dbRootPassword', MARIADB_PASSWORD: 'crmDbPassword' },
    env: { MARIADB_DATABASE: 'espocrm', MARIADB_USER: 'espocrm' },
    args: ['-v', 'db-data:/var/lib/mysql'],
  },
  {
    name: 'crm',
    image: currentImage('crm'),
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
    image: currentImage('mail'),
    nonRoot: true,
    capAdd: [],
    secrets: { ROUNDCUBEMAIL_DES_KEY: 'mailDesKey' },
    env: {},
    args: ['-v', 'mail-data:/var/roundcube/db'],
    port: 8000,
  },
  {
    name: 'website',
    image: currentImage('website'),
    nonRoot: true,
    capAdd: [],
    secrets: {},
    env: {},
    args: [],
    port: 8080,
  },
  {
    name: 'proxy',
    image: currentImage('proxy'),
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

/** Every version's image per container, for the deploy document's version switch: version to container name to image. */
export function imagesByVersion(): ReadonlyMap<string, Readonly<Record<string, string>>> {
  const names = CUSTOMER_CONTAINERS.map((container) => container.name).sort().join();
  for (const entry of APP_VERSIONS) {
    if (Object.keys(entry.images).sort().join() !== names) throw new Error(`app-versions.json: ${entry.version} must name exactly the containers ${names}`);
  }
  return new Map(APP_VERSIONS.map((entry) => [entry.version, entry.images]));
}
