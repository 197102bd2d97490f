import type { EdgeService } from '../edge/edge-service';
import type { FaultCatalog } from './faults';

export interface InventoryQuery {
  /**
   * Include terminated and shutting-down instances. EC2 stops billing an instance once it is
   * shutting-down, so both are left out by default.
   */
  readonly all: boolean;
  /** Only resources tagged Customer=<id>. */
  readonly customer?: string;
}

/** One section of `GET /_sandbox/inventory`: a list of what the service holds right now. */
export type InventorySection = (query: InventoryQuery) => unknown[];

/**
 * One emulated AWS service, registered once: the edge routes to it by signing name, its fault actions
 * are the actions it serves (plus its outcomes), its sections make up the inventory and its reset is
 * part of `POST /_sandbox/reset`. Adding a service means adding one of these, nothing else.
 */
export interface SandboxService extends FaultCatalog {
  /** The SigV4 signing name the edge routes by (SESv2 signs as `ses`). */
  readonly signingName: string;
  readonly edge: EdgeService;
  /** Its sections of the inventory, by key. */
  readonly inventory: Readonly<Record<string, InventorySection>>;
  /** Forgets everything it holds. */
  reset(): void;
}

/**
 * The inventory's key order as documented (README, sandbox tests); a section not named here follows in
 * registry order, so a new service never needs an entry.
 */
const INVENTORY_ORDER = ['instances', 'records', 'identities', 'commands', 'snapshots'];

/** What the sandbox holds right now, for developers and tests: every registered service's sections. */
export function buildInventory(services: readonly SandboxService[], query: InventoryQuery): Record<string, unknown[]> {
  const sections = services.flatMap((service) => Object.entries(service.inventory));
  const rank = (key: string) => {
    const index = INVENTORY_ORDER.indexOf(key);
    return index === -1 ? INVENTORY_ORDER.length : index;
  };
  // A stable sort: unnamed sections keep their registry order.
  return Object.fromEntries([...sections].sort(([a], [b]) => rank(a) - rank(b)).map(([key, list]) => [key, list(query)]));
}
