import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { AwsServiceError } from '../edge/aws-json';
import type { EdgeResponse } from '../edge/edge-service';
import type { SandboxClock } from './clock';
import type { FaultQueue } from './faults';
import { JsonFile } from './json-file';
import { isoTime, restRouteService, type RestRoute, restXmlError, restXmlResponse, routeActions } from './protocols';
import type { SandboxService } from './registry';
import { hostedZoneRoutes } from './route53-zones';
import { child, childText, children, el, opt, type ParsedElement, parseXml, XmlParseError } from './xml';

export interface StoredRecord {
  /** Lower case, absolute (trailing dot), as Route 53 returns names. */
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly values: readonly string[];
}

interface StoredChange {
  readonly id: string;
  readonly submittedAt: number;
  readonly insyncAt: number;
  readonly comment?: string;
}

interface Route53State {
  records: StoredRecord[];
  changes: StoredChange[];
}

export interface Route53Settings {
  readonly hostedZoneId: string;
  /** The zone's domain (CUSTOMER_DOMAIN), without the trailing dot. */
  readonly zoneName: string;
}

const RECORD_TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT'];
const MAX_ITEMS = 300;
const ACTIONS = ['CREATE', 'DELETE', 'UPSERT'];

/** Route 53 names: lower case and absolute. */
export function absoluteName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/**
 * Route 53's listing order: "first by DNS name with the labels reversed, for example com.example.www.,
 * then by record type" — compared as strings, trailing dot included (so `-` sorts before `.`).
 */
export function route53SortKey(name: string): string {
  return `${absoluteName(name).slice(0, -1).split('.').reverse().join('.')}.`;
}

export function compareRecords(a: { name: string; type: string }, b: { name: string; type: string }): number {
  const ka = route53SortKey(a.name);
  const kb = route53SortKey(b.name);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a.type === b.type ? 0 : a.type < b.type ? -1 : 1;
}

const describeRrset = (name: string, type: string) => `[name='${name}', type='${type}']`;

/** One hosted zone (HOSTED_ZONE_ID), its records and its changes; persisted as `route53.json`. */
export class Route53Model {
  private state: Route53State;
  private readonly file: JsonFile<Route53State>;

  constructor(
    dir: string,
    readonly settings: Route53Settings,
    private readonly clock: SandboxClock,
  ) {
    this.file = new JsonFile(dir, 'route53');
    this.state = this.file.load(() => this.emptyState());
  }

  reset(): void {
    this.state = this.emptyState();
    this.persist();
  }

  /** Every record, in Route 53's listing order. */
  records(): StoredRecord[] {
    return [...this.state.records].sort(compareRecords);
  }

  hasRecord(name: string, type: string, value: string): boolean {
    const found = this.state.records.find((record) => record.name === absoluteName(name) && record.type === type);
    return found?.values.includes(value) ?? false;
  }

  change(changes: ParsedChange[], comment: string | undefined): StoredChange {
    const working = [...this.state.records];
    const problems: string[] = [];
    for (const change of changes) {
      const problem = this.apply(working, change);
      if (problem) problems.push(problem);
    }
    // A change batch is atomic: one bad change and none is applied.
    if (problems.length > 0) throw new AwsServiceError('InvalidChangeBatch', `[${problems.join(', ')}]`);
    const now = this.clock.now();
    const stored: StoredChange = { id: newChangeId(), submittedAt: now, insyncAt: this.clock.after('route53InSync', now), comment };
    this.state.records = working;
    this.state.changes.push(stored);
    this.persist();
    return stored;
  }

  findChange(id: string): StoredChange | undefined {
    return this.state.changes.find((change) => change.id === id);
  }

  changeStatus(change: StoredChange): 'PENDING' | 'INSYNC' {
    return this.clock.now() >= change.insyncAt ? 'INSYNC' : 'PENDING';
  }

  private apply(records: StoredRecord[], change: ParsedChange): string | undefined {
    const { record } = change;
    const at = records.findIndex((candidate) => candidate.name === record.name && candidate.type === record.type);
    const zone = absoluteName(this.settings.zoneName);
    if (record.name !== zone && !record.name.endsWith(`.${zone}`)) {
      return `RRSet with DNS name ${record.name} is not permitted in zone ${zone}`;
    }
    if (change.action === 'DELETE') {
      if (at === -1) return `Tried to delete resource record set ${describeRrset(record.name, record.type)} but it was not found`;
      if (!sameRecord(records[at], record)) {
        return `Tried to delete resource record set ${describeRrset(record.name, record.type)} but the values provided do not match the current values`;
      }
      records.splice(at, 1);
      return undefined;
    }
    if (change.action === 'CREATE' && at !== -1) {
      return `Tried to create resource record set ${describeRrset(record.name, record.type)} but it already exists`;
    }
    const conflict = records.find(
      (candidate) => candidate.name === record.name && candidate.type !== record.type && (candidate.type === 'CNAME' || record.type === 'CNAME'),
    );
    if (conflict) {
      return `RRSet of type ${record.type} with DNS name ${record.name} is not permitted because a conflicting RRSet of type ${conflict.type} with the same DNS name already exists in zone ${zone}`;
    }
    if (record.type === 'CNAME' && record.values.length > 1) {
      return `RRSet of type CNAME with DNS name ${record.name} contains more than one value`;
    }
    const badIp = record.type === 'A' ? record.values.find((value) => !isIPv4(value)) : undefined;
    if (badIp !== undefined) {
      return `Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${badIp}''`;
    }
    if (at === -1) records.push(record);
    else records[at] = record;
    return undefined;
  }

  private emptyState(): Route53State {
    const zone = absoluteName(this.settings.zoneName);
    // Every hosted zone starts with its SOA and NS records at the apex.
    return {
      records: [
        { name: zone, type: 'NS', ttl: 172800, values: ['ns-1.awsdns-local.com.', 'ns-2.awsdns-local.net.', 'ns-3.awsdns-local.org.', 'ns-4.awsdns-local.co.uk.'] },
        { name: zone, type: 'SOA', ttl: 900, values: ['ns-1.awsdns-local.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'] },
      ],
      changes: [],
    };
  }

  private persist(): void {
    this.file.save(this.state);
  }
}

function sameRecord(a: StoredRecord, b: StoredRecord): boolean {
  return a.ttl === b.ttl && a.values.length === b.values.length && [...a.values].sort().join('\n') === [...b.values].sort().join('\n');
}

function newChangeId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `C${[...randomBytes(13)].map((byte) => alphabet[byte % alphabet.length]).join('')}`;
}

export interface ParsedChange {
  readonly action: 'CREATE' | 'DELETE' | 'UPSERT';
  readonly record: StoredRecord;
}

/** Reads a ChangeResourceRecordSetsRequest body; malformed input is InvalidInput, as in Route 53. */
export function parseChangeBatch(body: string): { changes: ParsedChange[]; comment?: string } {
  let root: ParsedElement;
  try {
    root = parseXml(body);
  } catch (error) {
    if (error instanceof XmlParseError) throw new AwsServiceError('MalformedInput', `The XML document is malformed: ${error.message}`);
    throw error;
  }
  const batch = child(root, 'ChangeBatch');
  if (!batch) throw new AwsServiceError('InvalidInput', 'Invalid request: ChangeBatch is required');
  const changeElements = children(child(batch, 'Changes'), 'Change');
  if (changeElements.length === 0) {
    throw new AwsServiceError('InvalidInput', "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  const changes = changeElements.map((element): ParsedChange => {
    const action = childText(element, 'Action') ?? '';
    const set = child(element, 'ResourceRecordSet');
    const name = childText(set, 'Name') ?? '';
    const type = childText(set, 'Type') ?? '';
    if (!ACTIONS.includes(action)) throw new AwsServiceError('InvalidInput', `Invalid XML ; cvc-enumeration-valid: Value '${action}' is not facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'.`);
    if (!name) throw new AwsServiceError('InvalidInput', 'Invalid request: Name is required');
    if (!RECORD_TYPES.includes(type)) throw new AwsServiceError('InvalidInput', `Invalid XML ; cvc-enumeration-valid: Value '${type}' is not facet-valid with respect to enumeration.`);
    if (child(set, 'AliasTarget')) throw new AwsServiceError('InvalidInput', 'The local sandbox does not emulate alias records');
    const ttlText = childText(set, 'TTL');
    const values = children(child(set, 'ResourceRecords'), 'ResourceRecord').map((record) => childText(record, 'Value') ?? '');
    if (ttlText === undefined || values.length === 0) {
      throw new AwsServiceError(
        'InvalidInput',
        `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${action}, Name=${name}, Type=${type}, SetIdentifier=null]`,
      );
    }
    const ttl = Number(ttlText);
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2147483647) throw new AwsServiceError('InvalidInput', `Invalid TTL: ${ttlText}`);
    return { action: action as ParsedChange['action'], record: { name: absoluteName(name), type, ttl, values } };
  });
  return { changes, comment: childText(batch, 'Comment') };
}

const CHANGE_PATH = /^\/2013-04-01\/change\/([^/]+)$/;
const RRSET_PATH = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/;

/** HTTP status Route 53 answers each error code with (Throttling is 400, on the SDK's throttling list). */
const ERROR_STATUS: Readonly<Record<string, number>> = { NoSuchHostedZone: 404, NoSuchChange: 404, ServiceUnavailable: 503, InternalError: 500 };

/**
 * Route 53 on the restXml protocol: ChangeResourceRecordSets, GetChange and ListResourceRecordSets, and the
 * hosted-zone reads of support staff (route53-zones.ts).
 */
export function route53SandboxService(model: Route53Model, faults: FaultQueue): SandboxService {
  const changeInfo = (change: StoredChange) =>
    el('ChangeInfo', el('Id', `/change/${change.id}`), el('Status', model.changeStatus(change)), el('SubmittedAt', isoTime(change.submittedAt)), opt('Comment', change.comment));

  const requireZone = (rawId: string) => {
    const id = decodeURIComponent(rawId).replace(/^\/?hostedzone\//, '');
    if (id !== model.settings.hostedZoneId) throw new AwsServiceError('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
  };

  const routes: RestRoute[] = [
    {
      action: 'GetChange',
      method: 'GET',
      path: CHANGE_PATH,
      run: (_request, [, rawId]) => {
        const id = decodeURIComponent(rawId);
        const found = model.findChange(id);
        if (!found) throw new AwsServiceError('NoSuchChange', `A change with the specified change ID ${id} does not exist.`, 404);
        return restXmlResponse(el('GetChangeResponse', changeInfo(found)));
      },
    },
    {
      action: 'ChangeResourceRecordSets',
      method: 'POST',
      path: RRSET_PATH,
      run: (request, [, zoneId]) => {
        requireZone(zoneId);
        const { changes, comment } = parseChangeBatch(request.body.toString('utf8'));
        return restXmlResponse(el('ChangeResourceRecordSetsResponse', changeInfo(model.change(changes, comment))));
      },
    },
    { action: 'ListResourceRecordSets', method: 'GET', path: RRSET_PATH, run: (request, [, zoneId]) => listRecordSets(model, request.query, () => requireZone(zoneId)) },
    ...hostedZoneRoutes(model),
  ];

  const apex = absoluteName(model.settings.zoneName);
  return {
    name: 'route53',
    signingName: 'route53',
    edge: restRouteService(routes, { label: 'Route 53', faults: faults.forService('route53'), encodeError: restXmlError }),
    actions: routeActions(routes),
    errorStatus: ERROR_STATUS,
    inventory: {
      // The zone's own SOA and NS records are plumbing, not something we created.
      records: () =>
        model
          .records()
          .filter((record) => !(record.name === apex && ['SOA', 'NS'].includes(record.type)))
          .map((record) => ({ name: record.name, type: record.type, values: record.values, ttl: record.ttl })),
    },
    reset: () => model.reset(),
  };
}

function listRecordSets(model: Route53Model, query: URLSearchParams, requireZone: () => void): EdgeResponse {
  requireZone();
  const startName = query.get('name');
  const startType = query.get('type');
  if (startType !== null && startName === null) {
    throw new AwsServiceError('InvalidInput', 'The input is not valid: the type parameter requires the name parameter');
  }
  if (startType !== null && !RECORD_TYPES.includes(startType)) throw new AwsServiceError('InvalidInput', `Invalid type: ${startType}`);
  const rawMax = query.get('maxitems');
  const maxItems = rawMax === null ? MAX_ITEMS : Number(rawMax);
  if (!Number.isInteger(maxItems) || maxItems < 1) throw new AwsServiceError('InvalidInput', `Invalid value for maxitems: ${rawMax}`);
  const pageSize = Math.min(maxItems, MAX_ITEMS);
  const all = model.records();
  const start = startName === null ? 0 : all.findIndex((record) => compareRecords(record, { name: startName, type: startType ?? '' }) >= 0);
  const from = start === -1 ? all.length : start;
  const page = all.slice(from, from + pageSize);
  const next = all[from + pageSize];
  return restXmlResponse(
    el(
      'ListResourceRecordSetsResponse',
      el(
        'ResourceRecordSets',
        ...page.map((record) =>
          el(
            'ResourceRecordSet',
            el('Name', record.name),
            el('Type', record.type),
            el('TTL', record.ttl),
            el('ResourceRecords', ...record.values.map((value) => el('ResourceRecord', el('Value', value)))),
          ),
        ),
      ),
      el('IsTruncated', next !== undefined),
      opt('NextRecordName', next?.name),
      opt('NextRecordType', next?.type),
      el('MaxItems', pageSize),
    ),
  );
}
