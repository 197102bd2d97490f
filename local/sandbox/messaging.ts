import { randomUUID } from 'node:crypto';
import { AwsServiceError, awsJsonService } from '../edge/aws-json';
import type { EdgeRequest, EdgeResponse } from '../edge/edge-service';
import type { SandboxClock } from './clock';
import type { FaultQueue } from './faults';
import { JsonFile } from './json-file';
import { restJsonError, restJsonResponse, restRouteService, routeActions, type RestRoute } from './protocols';
import type { SandboxService } from './registry';

/** One message that went out through the SMS or WhatsApp API. */
export interface SentMessage {
  readonly channel: 'sms' | 'whatsapp';
  readonly providerMessageId: string;
  /** The origination identity (SMS number) or phone-number id (WhatsApp). */
  readonly from: string;
  readonly to: string;
  readonly text?: string;
  readonly template?: { readonly name: string; readonly language: string };
  readonly context?: Readonly<Record<string, string>>;
  readonly at: number;
}

/** A number RequestPhoneNumber gave out (two-way, to the topic it names). */
interface RequestedNumber {
  readonly phoneNumberId: string;
  readonly phoneNumber: string;
  readonly clientToken?: string;
  twoWayChannelArn?: string;
  readonly tags: readonly { Key: string; Value: string }[];
  released?: boolean;
}

interface MessagingState {
  sent: SentMessage[];
  numbers: RequestedNumber[];
}

/** Delivers one SNS notification to the subscribed Lambda, as SNS would (the stack wires it to the handler). */
export type SnsDelivery = (topic: 'sms' | 'whatsapp', message: string) => Promise<unknown>;

/**
 * End User Messaging SMS (RequestPhoneNumber, ReleasePhoneNumber, SendTextMessage) and Social
 * (SendWhatsAppMessage), persisted under `<dataDir>/sandbox/messaging.json`; `GET /_sandbox/messaging/sent`
 * lists what went out, `POST /_sandbox/messaging/inbound` plays a client.
 */
export class MessagingModel {
  private state: MessagingState;
  private readonly file: JsonFile<MessagingState>;

  constructor(dir: string, private readonly clock: SandboxClock) {
    this.file = new JsonFile(dir, 'messaging');
    this.state = this.file.load(() => ({ sent: [], numbers: [] }));
  }

  reset(): void {
    this.state = { sent: [], numbers: [] };
    this.file.save(this.state);
  }

  sent(): SentMessage[] {
    return [...this.state.sent];
  }

  numbers(): RequestedNumber[] {
    return this.state.numbers.filter((number) => !number.released);
  }

  record(message: Omit<SentMessage, 'providerMessageId' | 'at'>): SentMessage {
    const sent: SentMessage = { ...message, providerMessageId: message.channel === 'sms' ? randomUUID() : `wamid.${randomUUID().replace(/-/g, '')}`, at: this.clock.now() };
    this.state.sent.push(sent);
    this.file.save(this.state);
    return sent;
  }

  /** RequestPhoneNumber: the same ClientToken answers the number it gave before. */
  setTwoWay(phoneNumberId: string, channelArn: string | undefined): RequestedNumber {
    const found = this.numbers().find((number) => number.phoneNumberId === phoneNumberId);
    if (!found) throw new AwsServiceError('ResourceNotFoundException', `Phone number ${phoneNumberId} not found`);
    found.twoWayChannelArn = channelArn;
    this.file.save(this.state);
    return found;
  }

  request(input: { clientToken?: string; twoWayChannelArn?: string; tags: { Key: string; Value: string }[] }): RequestedNumber {
    const earlier = input.clientToken ? this.state.numbers.find((number) => number.clientToken === input.clientToken) : undefined;
    if (earlier) return earlier;
    const index = this.state.numbers.length;
    const number: RequestedNumber = {
      phoneNumberId: `phone-${randomUUID().replace(/-/g, '')}`,
      // 555-01xx numbers are reserved for fiction; the index keeps them unique.
      phoneNumber: `+1800555${String(1000 + index).padStart(4, '0')}`,
      ...(input.clientToken ? { clientToken: input.clientToken } : {}),
      ...(input.twoWayChannelArn ? { twoWayChannelArn: input.twoWayChannelArn } : {}),
      tags: input.tags,
    };
    this.state.numbers.push(number);
    this.file.save(this.state);
    return number;
  }

  release(idOrNumber: string): RequestedNumber {
    const found = this.numbers().find((number) => number.phoneNumberId === idOrNumber || number.phoneNumber === idOrNumber);
    if (!found) throw new AwsServiceError('ResourceNotFoundException', `Phone number ${idOrNumber} not found`);
    found.released = true;
    this.file.save(this.state);
    return found;
  }

  isOurs(number: string): boolean {
    return this.numbers().some((candidate) => candidate.phoneNumber === number || candidate.phoneNumberId === number);
  }
}

const E164 = /^\+[1-9]\d{7,14}$/;

/** End User Messaging SMS: awsJson1_0, `X-Amz-Target: PinpointSMSVoiceV2.<Operation>`, signing name `sms-voice`. */
export function smsVoiceSandboxService(model: MessagingModel, faults: FaultQueue): SandboxService {
  const serviceFaults = faults.forService('sms-voice');
  const text = (input: Record<string, unknown>, name: string) => {
    const value = input[name];
    if (typeof value !== 'string' || value === '') throw new AwsServiceError('ValidationException', `${name} is required`);
    return value;
  };
  const operations = {
    SendTextMessage: (input: Record<string, unknown>) => {
      const to = text(input, 'DestinationPhoneNumber');
      if (!E164.test(to)) throw new AwsServiceError('ValidationException', 'DestinationPhoneNumber must be E.164');
      const from = text(input, 'OriginationIdentity');
      if (!model.isOurs(from)) throw new AwsServiceError('ResourceNotFoundException', `Origination identity ${from} not found`);
      const body = text(input, 'MessageBody');
      if (body.length > 1600) throw new AwsServiceError('ValidationException', 'MessageBody is too long');
      const context = input.Context && typeof input.Context === 'object' ? (input.Context as Record<string, string>) : undefined;
      const sent = model.record({ channel: 'sms', from, to, text: body, ...(context ? { context } : {}) });
      return { MessageId: sent.providerMessageId };
    },
    RequestPhoneNumber: (input: Record<string, unknown>) => {
      const tags = Array.isArray(input.Tags) ? (input.Tags as { Key: string; Value: string }[]) : [];
      const number = model.request({
        clientToken: typeof input.ClientToken === 'string' ? input.ClientToken : undefined,
        twoWayChannelArn: typeof input.TwoWayChannelArn === 'string' ? input.TwoWayChannelArn : undefined,
        tags,
      });
      return {
        PhoneNumberArn: `arn:aws:sms-voice:us-east-1:000000000000:phone-number/${number.phoneNumberId}`,
        PhoneNumberId: number.phoneNumberId,
        PhoneNumber: number.phoneNumber,
        Status: 'ACTIVE',
        IsoCountryCode: 'US',
        MessageType: 'TRANSACTIONAL',
        NumberCapabilities: ['SMS'],
        NumberType: 'TOLL_FREE',
        TwoWayEnabled: number.twoWayChannelArn !== undefined,
        ...(number.twoWayChannelArn ? { TwoWayChannelArn: number.twoWayChannelArn } : {}),
        Tags: number.tags,
        CreatedTimestamp: Math.floor(Date.now() / 1000),
      };
    },
    UpdatePhoneNumber: (input: Record<string, unknown>) => {
      const number = model.setTwoWay(text(input, 'PhoneNumberId'), input.TwoWayEnabled === true ? (typeof input.TwoWayChannelArn === 'string' ? input.TwoWayChannelArn : undefined) : undefined);
      return { PhoneNumberId: number.phoneNumberId, PhoneNumber: number.phoneNumber, Status: 'ACTIVE', TwoWayEnabled: number.twoWayChannelArn !== undefined, ...(number.twoWayChannelArn ? { TwoWayChannelArn: number.twoWayChannelArn } : {}) };
    },
    ReleasePhoneNumber: (input: Record<string, unknown>) => {
      const number = model.release(text(input, 'PhoneNumberId'));
      return { PhoneNumberId: number.phoneNumberId, PhoneNumber: number.phoneNumber, Status: 'DELETED' };
    },
  };
  return {
    name: 'sms-voice',
    signingName: 'sms-voice',
    edge: awsJsonService({ targetPrefix: 'PinpointSMSVoiceV2', jsonVersion: '1.0', operations, beforeOperation: (operation) => serviceFaults.raise(operation) }),
    actions: Object.keys(operations),
    errorStatus: { ThrottlingException: 400, InternalServerException: 500, ServiceQuotaExceededException: 402 },
    inventory: {
      phoneNumbers: (query) =>
        model
          .numbers()
          .filter((number) => query.customer === undefined || number.tags.some((tag) => tag.Key === 'Customer' && tag.Value === query.customer))
          .map((number) => ({ phoneNumberId: number.phoneNumberId, phoneNumber: number.phoneNumber })),
    },
    reset: () => model.reset(),
  };
}

/** End User Messaging Social: restJson, `POST /v1/whatsapp/send`, signing name `social-messaging`; `message` is a base64 blob. */
export function socialMessagingSandboxService(model: MessagingModel, faults: FaultQueue): SandboxService {
  const routes: RestRoute[] = [
    {
      action: 'SendWhatsAppMessage',
      method: 'POST',
      path: /^\/v1\/whatsapp\/send\/?$/,
      run: (request) => {
        const body = jsonObject(request);
        const from = body.originationPhoneNumberId;
        if (typeof from !== 'string' || from === '') throw new AwsServiceError('ValidationException', 'originationPhoneNumberId is required');
        if (typeof body.metaApiVersion !== 'string') throw new AwsServiceError('ValidationException', 'metaApiVersion is required');
        if (typeof body.message !== 'string') throw new AwsServiceError('ValidationException', 'message is required');
        let payload: { to?: unknown; type?: unknown; text?: { body?: unknown }; template?: { name?: unknown; language?: { code?: unknown } } };
        try {
          payload = JSON.parse(Buffer.from(body.message, 'base64').toString('utf8')) as typeof payload;
        } catch {
          throw new AwsServiceError('InvalidParametersException', 'message is not WhatsApp message JSON');
        }
        const to = typeof payload.to === 'string' ? `+${payload.to.replace(/^\+/, '')}` : '';
        if (!E164.test(to)) throw new AwsServiceError('InvalidParametersException', 'to must be a phone number');
        const sent =
          payload.type === 'text' && typeof payload.text?.body === 'string'
            ? model.record({ channel: 'whatsapp', from, to, text: payload.text.body })
            : payload.type === 'template' && typeof payload.template?.name === 'string' && typeof payload.template.language?.code === 'string'
              ? model.record({ channel: 'whatsapp', from, to, template: { name: payload.template.name, language: payload.template.language.code } })
              : undefined;
        if (!sent) throw new AwsServiceError('InvalidParametersException', 'Only text and template messages are emulated');
        return restJsonResponse(200, { messageId: sent.providerMessageId });
      },
    },
  ];
  return {
    name: 'social-messaging',
    signingName: 'social-messaging',
    edge: restRouteService(routes, { label: 'SocialMessaging', faults: faults.forService('social-messaging'), encodeError: restJsonError }),
    actions: routeActions(routes),
    errorStatus: { ThrottledRequestException: 429, InternalServiceException: 500, AccessDeniedException: 403 },
    inventory: {},
    reset: () => undefined,
  };
}

function jsonObject(request: EdgeRequest): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8') || '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AwsServiceError('ValidationException', 'The request body is not a JSON object');
}

/**
 * The control routes: what went out, and a client writing in (or a receipt) delivered to the inbound
 * Lambdas in the payload shapes End User Messaging publishes to SNS (lambdas/messaging/sns-payloads.ts).
 */
export function messagingSandboxRoutes(model: MessagingModel, clock: SandboxClock, deliver: SnsDelivery | undefined) {
  const json = (statusCode: number, body: unknown): EdgeResponse => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    'GET /_sandbox/messaging/sent': () => json(200, { messages: model.sent() }),
    'POST /_sandbox/messaging/inbound': async (request: EdgeRequest) => {
      if (!deliver) return json(501, { error: 'No inbound Lambdas are wired to this sandbox' });
      let body: Record<string, unknown>;
      try {
        body = jsonObjectOrThrow(request);
      } catch (error) {
        return json(400, { error: (error as Error).message });
      }
      const { channel, from, to, text, providerMessageId = randomUUID(), ...rest } = body;
      const problems = [
        ...Object.keys(rest).map((key) => `unknown field ${key}`),
        ...(channel === 'sms' || channel === 'whatsapp' ? [] : ['channel must be sms or whatsapp']),
        ...(typeof from === 'string' && E164.test(from) ? [] : ['from must be an E.164 number']),
        ...(typeof to === 'string' && E164.test(to) ? [] : ['to must be an E.164 number (the customer\'s)']),
        ...(typeof text === 'string' && text.length > 0 && text.length <= 4096 ? [] : ['text must be 1 to 4096 characters']),
        ...(typeof providerMessageId === 'string' && /^[A-Za-z0-9._:-]{1,200}$/.test(providerMessageId) ? [] : ['providerMessageId must be up to 200 letters, digits and . _ : -']),
      ];
      if (problems.length > 0) return json(400, { error: problems.join('; ') });
      const now = clock.now();
      const message =
        channel === 'sms'
          ? JSON.stringify({ originationNumber: from, destinationNumber: to, messageKeyword: 'KEYWORD_000000000000', messageBody: text, inboundMessageId: providerMessageId, previousPublishedMessageId: randomUUID() })
          : whatsAppNotification(to as string, { messages: [{ from: (from as string).slice(1), id: providerMessageId, timestamp: String(Math.floor(now / 1000)), type: 'text', text: { body: text } }] }, now);
      const result = await deliver(channel as 'sms' | 'whatsapp', message);
      return json(202, { delivered: true, providerMessageId, result });
    },
    'POST /_sandbox/messaging/receipts': async (request: EdgeRequest) => {
      if (!deliver) return json(501, { error: 'No inbound Lambdas are wired to this sandbox' });
      let body: Record<string, unknown>;
      try {
        body = jsonObjectOrThrow(request);
      } catch (error) {
        return json(400, { error: (error as Error).message });
      }
      const sent = model.sent().find((message) => message.providerMessageId === body.providerMessageId);
      if (!sent) return json(404, { error: 'No sent message has this providerMessageId' });
      const status = body.status;
      if (status !== 'delivered' && status !== 'read' && status !== 'failed') return json(400, { error: 'status must be delivered, read or failed' });
      if (sent.channel === 'sms' && status === 'read') return json(400, { error: 'SMS has no read receipts' });
      const now = clock.now();
      const message =
        sent.channel === 'sms'
          ? JSON.stringify({ eventType: status === 'delivered' ? 'TEXT_DELIVERED' : 'TEXT_CARRIER_UNREACHABLE', eventVersion: '1.0', eventTimestamp: now, isFinal: true, originationPhoneNumber: sent.from, destinationPhoneNumber: sent.to, messageId: sent.providerMessageId, messageStatus: status === 'delivered' ? 'DELIVERED' : 'CARRIER_UNREACHABLE', context: sent.context ?? {} })
          : whatsAppNotification(String(body.businessNumber ?? ''), { statuses: [{ id: sent.providerMessageId, status, timestamp: String(Math.floor(now / 1000)), recipient_id: sent.to.slice(1) }] }, now);
      const result = await deliver(sent.channel, message);
      return json(202, { delivered: true, result });
    },
  };
}

/** End User Messaging Social's event: an AWS header around Meta's webhook entry, which travels as a JSON string. */
function whatsAppNotification(businessNumber: string, value: Record<string, unknown>, now: number): string {
  const entry = {
    id: '1234567890abcde',
    changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: businessNumber.replace(/^\+/, ''), phone_number_id: 'abcde1234567890' }, ...value } }],
  };
  return JSON.stringify({
    context: { MetaWabaIds: [{ wabaId: '1234567890abcde', arn: 'arn:aws:social-messaging:us-east-1:000000000000:waba/local' }], MetaPhoneNumberIds: [] },
    whatsAppWebhookEntry: JSON.stringify(entry),
    aws_account_id: '000000000000',
    message_timestamp: new Date(now).toISOString(),
    messageId: randomUUID(),
  });
}

function jsonObjectOrThrow(request: EdgeRequest): Record<string, unknown> {
  const parsed: unknown = JSON.parse(request.body.toString('utf8') || 'null');
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('The body must be a JSON object');
  return parsed as Record<string, unknown>;
}
