import path from 'node:path';
import { jsonResponse } from '../edge/aws-json';
import type { EdgeRequest, EdgeResponse, EdgeService } from '../edge/edge-service';
import type { SandboxRoute } from '../edge/server';
import type { SandboxClock } from './clock';
import { BackupModel, backupSandboxService } from './backup';
import { cloudWatchSandboxService } from './cloudwatch';
import { Ec2Model, ec2SandboxService } from './ec2';
import { FaultQueue, FaultValidationError } from './faults';
import { renderOutboxPage } from './outbox-page';
import { buildInventory, type SandboxService } from './registry';
import { Route53Model, route53SandboxService } from './route53';
import { SesModel, sesv2SandboxService } from './sesv2';
import { SsmModel, ssmSandboxService } from './ssm';
import { MessagingModel, messagingSandboxRoutes, smsVoiceSandboxService, socialMessagingSandboxService, type SnsDelivery } from './messaging';
import { createStripeSandbox, type StripeSandbox, type StripeSandboxSettings } from './stripe';

/** What the sandbox needs to know of the account it pretends to be (the same values the Lambdas get). */
export interface SandboxSettings {
  readonly hostedZoneId: string;
  /** The hosted zone's domain: CUSTOMER_DOMAIN. */
  readonly zoneName: string;
  readonly launchTemplateId: string;
  readonly subnetIds: readonly string[];
  /** EC2's account vCPU quota and public address pool (see Ec2Settings). */
  readonly vcpuQuota?: number;
  readonly publicIpPool?: number;
  readonly senderAddress: string;
  readonly deployDocumentName: string;
}

export interface SandboxOptions {
  /** State goes to `<dataDir>/sandbox/*.json`. */
  readonly dataDir: string;
  readonly clock: SandboxClock;
  readonly settings: SandboxSettings;
  /** Stripe (test mode) on the same port under `/v1/`; left out when undefined. */
  readonly stripe?: StripeSandboxSettings;
  /** How `POST /_sandbox/messaging/inbound` reaches the inbound Lambdas (as SNS would); without it, 501. */
  readonly deliverSns?: SnsDelivery;
}

export interface Sandbox {
  /** Keyed by SigV4 signing name, for the edge server's registry. */
  readonly services: Readonly<Record<string, EdgeService>>;
  /** `METHOD /_sandbox/path` control routes. */
  readonly routes: Readonly<Record<string, SandboxRoute>>;
  readonly faults: FaultQueue;
  /** Stripe's API (`/v1/*`, routed by path), its `/_sandbox/stripe/*` routes and its own fault queue. */
  readonly stripe?: StripeSandbox;
}

/**
 * The emulated EC2, Route 53, SESv2, SSM and CloudWatch behind the edge port, speaking each service's real wire
 * protocol for the calls our handlers make, with one clock for every delay and one fault queue.
 */
export function createSandbox(options: SandboxOptions): Sandbox {
  const { clock, settings } = options;
  const dir = path.join(options.dataDir, 'sandbox');
  const faults = new FaultQueue();
  const ec2 = new Ec2Model(dir, settings, clock);
  const route53 = new Route53Model(dir, { hostedZoneId: settings.hostedZoneId, zoneName: settings.zoneName }, clock);
  const ses = new SesModel(dir, { senderAddress: settings.senderAddress }, clock, route53);
  const ssm = new SsmModel(dir, { deployDocumentName: settings.deployDocumentName }, clock, ec2);
  const messaging = new MessagingModel(dir, clock);
  // The registry: every service once. Faults, inventory, reset and edge routing all come from here.
  const registry: readonly SandboxService[] = [
    ec2SandboxService({ model: ec2, settings, clock, faults, agentStatus: (instance) => ssm.pingStatus(instance), appVersion: (instance) => ssm.appVersion(instance.instanceId) }),
    route53SandboxService(route53, faults),
    sesv2SandboxService(ses, faults, clock),
    ssmSandboxService(ssm, ec2, clock, faults),
    cloudWatchSandboxService(ec2, clock, faults),
    backupSandboxService(new BackupModel(dir, ec2, clock), faults),
    smsVoiceSandboxService(messaging, faults),
    socialMessagingSandboxService(messaging, faults),
  ];
  for (const service of registry) faults.register(service);
  const stripe = options.stripe ? createStripeSandbox(dir, clock, options.stripe) : undefined;
  const allFaults = () => [...faults.list(), ...(stripe?.faults.list() ?? [])];

  const routes: Record<string, SandboxRoute> = {
    'GET /_sandbox/clock': () => json(200, clock.describe()),
    'GET /_sandbox/inventory': (request) => {
      const problem = unknownParams(request.query, ['all', 'customer']);
      if (problem) return badRequest(problem);
      const all = request.query.get('all');
      if (all !== null && all !== 'true' && all !== 'false') return badRequest('all must be true or false');
      const customer = request.query.get('customer');
      if (customer === '') return badRequest('customer must be a customer id');
      return json(200, buildInventory(registry, { all: all === 'true', customer: customer ?? undefined }));
    },
    'GET /_sandbox/outbox': (request) => {
      // ?to=<address>: one recipient's mail, so a thousand clients waiting for theirs do not each page through all.
      const to = request.query.get('to');
      if (to === '') return badRequest('to must be an email address');
      const emails = to === null ? ses.outbox() : ses.outbox().filter((email) => email.to.some((address) => address.toLowerCase() === to.toLowerCase()));
      if (prefersHtml(request)) return html(renderOutboxPage(emails));
      return json(200, { emails });
    },
    'GET /_sandbox/outbox.html': () => html(renderOutboxPage(ses.outbox())),
    'GET /_sandbox/faults': () => json(200, { faults: allFaults() }),
    'POST /_sandbox/faults': (request) => {
      const body = parseJson(request);
      if (body === INVALID_JSON) return badRequest('The body must be JSON: {"service", "action", "error", "times"}');
      try {
        const isStripe = stripe !== undefined && body !== null && typeof body === 'object' && (body as { service?: unknown }).service === 'stripe';
        const fault = isStripe ? stripe.faults.add(body as Record<string, unknown>) : faults.add(body);
        return json(201, { fault, faults: allFaults() });
      } catch (error) {
        if (error instanceof FaultValidationError) return badRequest(error.message);
        throw error;
      }
    },
    'DELETE /_sandbox/faults': () => json(200, { cleared: faults.clear() + (stripe?.faults.clear() ?? 0) }),
    'POST /_sandbox/reset': () => {
      faults.clear();
      for (const service of registry) service.reset();
      stripe?.reset();
      return json(200, { reset: true });
    },
    ...messagingSandboxRoutes(messaging, clock, options.deliverSns),
    ...stripe?.routes,
  };

  return {
    services: Object.fromEntries(registry.map((service) => [service.signingName, service.edge])),
    routes,
    faults,
    stripe,
  };
}

const INVALID_JSON = Symbol('invalid JSON');

function parseJson(request: EdgeRequest): unknown {
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    return INVALID_JSON;
  }
}

function unknownParams(query: URLSearchParams, allowed: readonly string[]): string | undefined {
  const unknown = [...new Set(query.keys())].filter((key) => !allowed.includes(key));
  return unknown.length > 0 ? `Unknown query parameters: ${unknown.join(', ')} (allowed: ${allowed.join(', ')})` : undefined;
}

function prefersHtml(request: EdgeRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html') && !accept.includes('application/json');
}

function json(statusCode: number, body: unknown): EdgeResponse {
  return jsonResponse(statusCode, 'application/json', body);
}

function badRequest(message: string): EdgeResponse {
  return json(400, { error: message });
}

function html(body: string): EdgeResponse {
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}
