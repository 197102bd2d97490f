import { randomBytes, randomUUID } from 'node:crypto';
import { AwsServiceError } from '../edge/aws-json';
import type { EdgeRequest } from '../edge/edge-service';
import type { SandboxClock } from './clock';
import type { FaultQueue } from './faults';
import { JsonFile } from './json-file';
import { restJsonError, restJsonResponse, restRouteService, type RestRoute, routeActions } from './protocols';
import type { SandboxService } from './registry';
import type { Route53Model } from './route53';
import { sesAccountRoutes } from './sesv2-account';

export interface StoredIdentity {
  readonly identity: string;
  readonly type: 'DOMAIN' | 'EMAIL_ADDRESS';
  readonly dkimTokens: readonly string[];
  readonly createdAt: number;
  readonly tags: ReadonlyArray<{ Key: string; Value: string }>;
  /** Set the first time SES finds the DKIM records (after the modelled delay); verified stays verified. */
  verifiedAt?: number;
}

/** One email as SendEmail accepted it. */
export interface OutboxEmail {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly sentAt: string;
}

interface SesState {
  identities: StoredIdentity[];
  outbox: OutboxEmail[];
}

export interface SesSettings {
  /** SENDER_ADDRESS: its domain is a verified identity from the start, as it is in the AWS account. */
  readonly senderAddress: string;
}

const IDENTITIES_PATH = /^\/v2\/email\/identities$/;
const IDENTITY_PATH = /^\/v2\/email\/identities\/([^/]+)$/;
const OUTBOUND_EMAILS_PATH = /^\/v2\/email\/outbound-emails$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;

const dkimToken = () => [...randomBytes(32)].map((byte) => 'abcdefghijklmnopqrstuvwxyz234567'[byte % 32]).join('');

/** SES identities (DKIM verified through the sandbox's own Route 53 zone) and the outbox; `sesv2.json`. */
export class SesModel {
  private state: SesState;
  private readonly file: JsonFile<SesState>;

  constructor(
    dir: string,
    private readonly settings: SesSettings,
    private readonly clock: SandboxClock,
    private readonly route53: Route53Model,
  ) {
    this.file = new JsonFile(dir, 'sesv2');
    this.state = this.file.load(() => this.emptyState());
  }

  reset(): void {
    this.state = this.emptyState();
    this.persist();
  }

  identities(): readonly StoredIdentity[] {
    return this.state.identities;
  }

  outbox(): readonly OutboxEmail[] {
    return this.state.outbox;
  }

  find(identity: string): StoredIdentity | undefined {
    return this.state.identities.find((candidate) => candidate.identity === identity.toLowerCase());
  }

  /**
   * Easy DKIM as SES does it: verified once the three `<token>._domainkey.<domain>` CNAMEs point at
   * `<token>.dkim.amazonses.com` in DNS and SES has had time to look (the modelled delay).
   */
  isVerified(identity: StoredIdentity): boolean {
    if (identity.verifiedAt !== undefined) return true;
    if (identity.type !== 'DOMAIN') return false;
    const now = this.clock.now();
    if (now < this.clock.after('sesDkimVerification', identity.createdAt)) return false;
    const published = identity.dkimTokens.every((token) =>
      this.route53.hasRecord(`${token}._domainkey.${identity.identity}`, 'CNAME', `${token}.dkim.amazonses.com`),
    );
    if (!published) return false;
    identity.verifiedAt = now;
    this.persist();
    return true;
  }

  create(identity: string, tags: StoredIdentity['tags']): StoredIdentity {
    const name = identity.toLowerCase();
    if (this.find(name)) throw new AwsServiceError('AlreadyExistsException', `Email identity ${identity} already exist.`);
    const type = name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN';
    if (type === 'DOMAIN' ? !DOMAIN.test(name) : !EMAIL.test(name)) {
      throw new AwsServiceError('BadRequestException', `Invalid email identity: ${identity}`);
    }
    const stored: StoredIdentity = {
      identity: name,
      type,
      dkimTokens: type === 'DOMAIN' ? [dkimToken(), dkimToken(), dkimToken()] : [],
      createdAt: this.clock.now(),
      tags,
    };
    this.state.identities.push(stored);
    this.persist();
    return stored;
  }

  delete(identity: string): void {
    const found = this.find(identity);
    if (!found) throw notFound(identity);
    this.state.identities = this.state.identities.filter((candidate) => candidate !== found);
    this.persist();
  }

  /** SES refuses to send from an address whose address or domain identity is not verified. */
  send(email: Omit<OutboxEmail, 'messageId' | 'sentAt'>): OutboxEmail {
    const domain = email.from.split('@')[1]?.toLowerCase() ?? '';
    const identity = this.find(email.from) ?? this.find(domain);
    if (!identity || !this.isVerified(identity)) {
      throw new AwsServiceError(
        'MessageRejected',
        `Email address is not verified. The following identities failed the check in region US-EAST-1: ${email.from}`,
      );
    }
    const stored: OutboxEmail = {
      ...email,
      messageId: `0100${Date.now().toString(16).padStart(12, '0')}-${randomUUID()}-000000`,
      sentAt: new Date(this.clock.now()).toISOString(),
    };
    this.state.outbox.push(stored);
    this.persist();
    return stored;
  }

  private emptyState(): SesState {
    const domain = this.settings.senderAddress.split('@')[1]?.toLowerCase();
    const sender: StoredIdentity[] = domain
      ? [{ identity: domain, type: 'DOMAIN', dkimTokens: [dkimToken(), dkimToken(), dkimToken()], createdAt: 0, tags: [], verifiedAt: 0 }]
      : [];
    return { identities: sender, outbox: [] };
  }

  private persist(): void {
    this.file.save(this.state);
  }
}

function notFound(identity: string): AwsServiceError {
  return new AwsServiceError('NotFoundException', `Email identity ${identity} does not exist.`, 404);
}

/** HTTP status SESv2 answers each error code with. */
const ERROR_STATUS: Readonly<Record<string, number>> = { TooManyRequestsException: 429, NotFoundException: 404, InternalServiceError: 500 };

/** SESv2 on the restJson protocol: the identity calls, SendEmail (Simple content) and support's reads (sesv2-account.ts). */
export function sesv2SandboxService(model: SesModel, faults: FaultQueue, clock: SandboxClock): SandboxService {
  const describe = (identity: StoredIdentity) => {
    const verified = model.isVerified(identity);
    const dkimStatus = identity.type === 'DOMAIN' ? (verified ? 'SUCCESS' : 'PENDING') : 'NOT_STARTED';
    return {
      IdentityType: identity.type,
      VerifiedForSendingStatus: verified,
      DkimAttributes: {
        SigningEnabled: identity.type === 'DOMAIN',
        Status: dkimStatus,
        Tokens: identity.dkimTokens,
        SigningAttributesOrigin: 'AWS_SES',
        NextSigningKeyLength: 'RSA_2048_BIT',
        CurrentSigningKeyLength: 'RSA_2048_BIT',
        LastKeyGenerationTimestamp: identity.createdAt / 1000,
      },
    };
  };

  const routes: RestRoute[] = [
    {
      action: 'CreateEmailIdentity',
      method: 'POST',
      path: IDENTITIES_PATH,
      run: (request) => {
        const body = jsonBody(request);
        const identity = body.EmailIdentity;
        if (typeof identity !== 'string' || identity === '') throw new AwsServiceError('BadRequestException', 'EmailIdentity is required');
        if (body.DkimSigningAttributes !== undefined) {
          throw new AwsServiceError('BadRequestException', 'The local sandbox emulates Easy DKIM only (no DkimSigningAttributes)');
        }
        const created = model.create(identity, parseTags(body.Tags));
        const { IdentityType, VerifiedForSendingStatus, DkimAttributes } = describe(created);
        return restJsonResponse(200, { IdentityType, VerifiedForSendingStatus, DkimAttributes });
      },
    },
    {
      action: 'GetEmailIdentity',
      method: 'GET',
      path: IDENTITY_PATH,
      run: (_request, [, rawName]) => {
        const name = decodeURIComponent(rawName);
        const found = model.find(name);
        if (!found) throw notFound(name);
        const described = describe(found);
        return restJsonResponse(200, {
          ...described,
          FeedbackForwardingStatus: true,
          MailFromAttributes: { BehaviorOnMxFailure: 'USE_DEFAULT_VALUE', MailFromDomainStatus: 'PENDING' },
          Policies: {},
          Tags: found.tags,
          VerificationStatus: described.VerifiedForSendingStatus ? 'SUCCESS' : 'PENDING',
        });
      },
    },
    {
      action: 'DeleteEmailIdentity',
      method: 'DELETE',
      path: IDENTITY_PATH,
      run: (_request, [, rawName]) => {
        model.delete(decodeURIComponent(rawName));
        return restJsonResponse(200, {});
      },
    },
    {
      action: 'SendEmail',
      method: 'POST',
      path: OUTBOUND_EMAILS_PATH,
      run: (request) => restJsonResponse(200, { MessageId: model.send(parseSendEmail(jsonBody(request))).messageId }),
    },
    ...sesAccountRoutes(model, clock),
  ];

  return {
    name: 'sesv2',
    // SESv2 signs as `ses`, like SES v1.
    signingName: 'ses',
    edge: restRouteService(routes, { label: 'SESv2', faults: faults.forService('sesv2'), encodeError: restJsonError }),
    actions: routeActions(routes),
    errorStatus: ERROR_STATUS,
    inventory: {
      identities: () =>
        model.identities().map((identity) => ({ identity: identity.identity, type: identity.type, status: model.isVerified(identity) ? 'SUCCESS' : 'PENDING' })),
    },
    // The outbox goes too: reset is a clean slate.
    reset: () => model.reset(),
  };
}

function jsonBody(request: EdgeRequest): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsServiceError('BadRequestException', 'The request body is not a JSON object');
}

function parseTags(raw: unknown): StoredIdentity['tags'] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new AwsServiceError('BadRequestException', 'Tags must be a list');
  return raw.map((tag: { Key?: unknown; Value?: unknown }) => {
    if (typeof tag?.Key !== 'string' || typeof tag.Value !== 'string') throw new AwsServiceError('BadRequestException', 'Each tag needs a Key and a Value');
    return { Key: tag.Key, Value: tag.Value };
  });
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function parseSendEmail(body: Json): Omit<OutboxEmail, 'messageId' | 'sentAt'> {
  const from = body.FromEmailAddress;
  if (typeof from !== 'string' || !EMAIL.test(from)) throw new AwsServiceError('BadRequestException', 'FromEmailAddress is required and must be an email address');
  const destination = asObject(body.Destination) ?? {};
  const to = strings(destination.ToAddresses);
  const cc = strings(destination.CcAddresses);
  const bcc = strings(destination.BccAddresses);
  if (to.length + cc.length + bcc.length === 0) throw new AwsServiceError('BadRequestException', 'Missing final destination');
  const bad = [...to, ...cc, ...bcc].find((address) => !EMAIL.test(address));
  if (bad) throw new AwsServiceError('BadRequestException', `Illegal address: ${bad}`);
  const content = asObject(body.Content) ?? {};
  const simple = asObject(content.Simple);
  if (!simple) throw new AwsServiceError('BadRequestException', 'The local sandbox emulates Simple content only (no Raw or Template)');
  const subject = asObject(simple.Subject)?.Data;
  if (typeof subject !== 'string') throw new AwsServiceError('BadRequestException', 'Content.Simple.Subject.Data is required');
  const bodyPart = asObject(simple.Body) ?? {};
  const text = asObject(bodyPart.Text)?.Data;
  const html = asObject(bodyPart.Html)?.Data;
  if (typeof text !== 'string' && typeof html !== 'string') throw new AwsServiceError('BadRequestException', 'Content.Simple.Body needs Text or Html');
  return {
    from,
    to,
    cc,
    bcc,
    subject,
    text: typeof text === 'string' ? text : undefined,
    html: typeof html === 'string' ? html : undefined,
  };
}
