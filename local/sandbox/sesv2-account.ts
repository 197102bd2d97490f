import { AwsServiceError } from '../edge/aws-json';
import type { SandboxClock } from './clock';
import { type RestRoute, restJsonResponse } from './protocols';
import type { SesModel } from './sesv2';

/** The account's sending limits, as a production-access SES account in us-east-1 starts with. */
const MAX_24_HOUR_SEND = 50_000;
const MAX_SEND_RATE = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The SESv2 reads support staff make: ListEmailIdentities (`aws sesv2 list-email-identities`) and
 * GetAccount (sending quota and status), from the sandbox's identities and outbox.
 */
export function sesAccountRoutes(model: SesModel, clock: SandboxClock): RestRoute[] {
  return [
    // Older SDKs and CLIs: GET with query parameters; newer ones: POST /v2/email/list-identities with a JSON body.
    { action: 'ListEmailIdentities', method: 'GET', path: /^\/v2\/email\/identities\/?$/, run: (request) => listIdentities(model, request.query.get('PageSize'), request.query.get('NextToken')) },
    {
      action: 'ListEmailIdentities',
      method: 'POST',
      path: /^\/v2\/email\/list-identities\/?$/,
      run: (request) => {
        const body = parseBody(request.body);
        if (body.Filter !== undefined && Object.keys(body.Filter as object).length > 0) {
          throw new AwsServiceError('BadRequestException', 'The local sandbox lists every identity: it does not emulate Filter');
        }
        const size = body.PageSize === undefined ? null : String(body.PageSize);
        return listIdentities(model, size, typeof body.NextToken === 'string' ? body.NextToken : null);
      },
    },
    {
      action: 'GetAccount',
      method: 'GET',
      path: /^\/v2\/email\/account\/?$/,
      run: () => {
        const since = clock.now() - DAY_MS;
        const sent = model.outbox().reduce((count, email) => (Date.parse(email.sentAt) >= since ? count + email.to.length + email.cc.length + email.bcc.length : count), 0);
        return restJsonResponse(200, {
          DedicatedIpAutoWarmupEnabled: false,
          EnforcementStatus: 'HEALTHY',
          ProductionAccessEnabled: true,
          SendQuota: { Max24HourSend: MAX_24_HOUR_SEND, MaxSendRate: MAX_SEND_RATE, SentLast24Hours: sent },
          SendingEnabled: true,
          SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
        });
      },
    },
  ];
}

function listIdentities(model: SesModel, rawSize: string | null, token: string | null) {
  const pageSize = rawSize === null ? 100 : Number(rawSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new AwsServiceError('BadRequestException', 'PageSize must be between 1 and 1000');
  const offset = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw new AwsServiceError('BadRequestException', 'Invalid NextToken');
  const identities = [...model.identities()].sort((a, b) => a.identity.localeCompare(b.identity));
  const page = identities.slice(offset, offset + pageSize).map((identity) => {
    const verified = model.isVerified(identity);
    return { IdentityType: identity.type, IdentityName: identity.identity, SendingEnabled: verified, VerificationStatus: verified ? 'SUCCESS' : 'PENDING' };
  });
  const next = offset + pageSize < identities.length ? Buffer.from(String(offset + pageSize)).toString('base64url') : undefined;
  return restJsonResponse(200, { EmailIdentities: page, ...(next && { NextToken: next }) });
}

function parseBody(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsServiceError('BadRequestException', 'The request body is not a JSON object');
}
