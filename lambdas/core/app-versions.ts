import data from './app-versions.json';

/**
 * The app versions a customer server can run: the ONE data file (app-versions.json) that the deploy
 * document (lib/deploy-document.ts, through lib/customer-containers.ts), the fleet update and the local
 * sandbox all read. A version names one digest-pinned image per container; `current` is what new customers
 * get. Releasing is: add a version here, deploy (the document learns it), roll it with a fleet update
 * (README "Fleet update"), then make it `current`. Digests come from public digest-pinned configurations
 * and must be re-checked with `docker buildx imagetools inspect <image>` before a release.
 */
export interface AppVersion {
  /** `YYYY.MM.N`: sorts by release, and passes the deploy document's AppVersion pattern. */
  readonly version: string;
  readonly released: string;
  readonly notes: string;
  /** Container name (lib/customer-containers.ts) to its `<repository>:<tag>@sha256:<digest>`. */
  readonly images: Readonly<Record<string, string>>;
}

/** The shape of a version name; the deploy document accepts only the versions listed, this is for input checks. */
export const APP_VERSION_PATTERN = /^\d{4}\.\d{2}\.\d{1,3}$/;

export const APP_VERSIONS: readonly AppVersion[] = data.versions;

/** What a new customer gets (Deploy applications) and what the deploy document runs without an AppVersion. */
export const CURRENT_APP_VERSION: string = data.current;

/**
 * What a customer runs when its profile records no version: those provisioned before versions were
 * recorded run the first version's images exactly.
 */
export const BASELINE_APP_VERSION: string = data.versions[0].version;

export function findAppVersion(version: string): AppVersion | undefined {
  return APP_VERSIONS.find((candidate) => candidate.version === version);
}

/** Fails at load (synth, local stack start, tests) when the file contradicts itself. */
function checkVersions(): void {
  const names = APP_VERSIONS.map((entry) => entry.version);
  if (new Set(names).size !== names.length) throw new Error('app-versions.json lists a version twice');
  for (const name of names) if (!APP_VERSION_PATTERN.test(name)) throw new Error(`app-versions.json: ${name} is not YYYY.MM.N`);
  if (!findAppVersion(CURRENT_APP_VERSION)) throw new Error(`app-versions.json: current ${CURRENT_APP_VERSION} is not listed`);
  const containers = Object.keys(APP_VERSIONS[0].images).sort().join();
  for (const entry of APP_VERSIONS) {
    if (Object.keys(entry.images).sort().join() !== containers) throw new Error(`app-versions.json: ${entry.version} must name an image for each of ${containers}`);
  }
}
checkVersions();
