import type { APIGatewayProxyResult } from 'aws-lambda';
import { ROUTES } from '../../../lambdas/api/routes';
import { bucketOf } from '../../../lambdas/messaging/analytics/histogram';
import { CHANNELS, conversationIdFor, type Conversation } from '../../../lambdas/messaging/model';
import { apiEvent, bodyOf, lambdaContext } from '../helpers/events';

// Repositories are mocked: these tests are about the routes (plan, validation, tenant, CSV), not the storage.
jest.mock('../../../lambdas/repositories/accounts');
jest.mock('../../../lambdas/repositories/analytics');
jest.mock('../../../lambdas/repositories/conversations');
/* eslint-disable @typescript-eslint/no-require-imports -- the mocked modules, typed */
const accounts = jest.mocked(require('../../../lambdas/repositories/accounts') as typeof import('../../../lambdas/repositories/accounts'));
const analytics = jest.mocked(require('../../../lambdas/repositories/analytics') as typeof import('../../../lambdas/repositories/analytics'));
const conversations = jest.mocked(require('../../../lambdas/repositories/conversations') as typeof import('../../../lambdas/repositories/conversations'));
/* eslint-enable @typescript-eslint/no-require-imports */

const customer = (plan: string) => ({ customerId: 'cust-a', plan, status: 'active', email: 'a@example.com' }) as never;
type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;
const invoke = (routeId: string, query: Record<string, string> | null) => {
  const route = ROUTES.find((candidate) => candidate.id === routeId)!;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(`../../../lambdas/${route.handler}`) as { handler: Handler };
  return handler(apiEvent({ httpMethod: route.method, path: route.path, customerId: 'cust-a', queryStringParameters: query, body: null }), lambdaContext);
};
const fieldsOf = (res: APIGatewayProxyResult) => (bodyOf(res).error.details as { field: string }[]).map((detail) => detail.field);
const conversation = (overrides: Partial<Conversation>): Conversation => ({
  conversationId: 'cv_x',
  channel: 'sms',
  contact: '+15551234567',
  status: 'open',
  unreadCount: 0,
  lastMessageAt: '2026-12-01T10:00:00.000Z',
  labels: [],
  ...overrides,
});

beforeEach(() => {
  jest.resetAllMocks();
  accounts.getCustomer.mockResolvedValue(customer('business'));
  analytics.listDayAggregates.mockResolvedValue([
    { date: '2026-11-30', channel: 'whatsapp', incoming: 2, outgoing: 1, opened: 1, resolved: 1, firstResponse: { [bucketOf(60)]: 1 }, resolution: { [bucketOf(3600)]: 1 } },
    { date: '2026-11-29', channel: 'sms', incoming: 5, outgoing: 4, opened: 2, resolved: 0, firstResponse: {}, resolution: {} },
  ]);
});

describe('plan gating', () => {
  it.each([['GetMessagingAnalytics'], ['ExportMessagingAnalytics']])('%s answers a starter account 403 PLAN_REQUIRED before reading (or validating) anything', async (routeId) => {
    accounts.getCustomer.mockResolvedValue(customer('starter'));
    const res = await invoke(routeId, { from: 'not a date' });
    expect([res.statusCode, bodyOf(res).error.code]).toEqual([403, 'PLAN_REQUIRED']);
    expect(analytics.listDayAggregates).not.toHaveBeenCalled();
  });
});

describe('GET /messaging/analytics', () => {
  it('answers the caller\'s own rows by date and channel, with totals, reading every channel or the one asked', async () => {
    const res = await invoke('GetMessagingAnalytics', { from: '2026-11-01', to: '2026-11-30' });
    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body.rows.map((row: { date: string; channel: string }) => `${row.date} ${row.channel}`)).toEqual(['2026-11-29 sms', '2026-11-30 whatsapp']);
    expect(body.totals).toMatchObject({ incoming: 7, outgoing: 5, opened: 3, resolved: 1, firstResponse: { count: 1 }, resolution: { count: 1 } });
    expect(analytics.listDayAggregates).toHaveBeenCalledWith('cust-a', CHANNELS, '2026-11-01', '2026-11-30');

    await invoke('GetMessagingAnalytics', { from: '2026-11-01', to: '2026-11-01', channel: 'whatsapp' });
    expect(analytics.listDayAggregates).toHaveBeenLastCalledWith('cust-a', ['whatsapp'], '2026-11-01', '2026-11-01');
  });

  it.each([
    [{ to: '2026-11-30' }, ['from']],
    [{ from: '2026-11-01' }, ['to']],
    [{ from: '2026-02-30', to: '2026-03-01' }, ['from']],
    [{ from: '2026-11-01', to: '30/11/2026' }, ['to']],
    [{ from: '2026-11-02', to: '2026-11-01' }, ['to']],
    [{ from: '2025-01-01', to: '2026-01-02' }, ['to']],
    [{ from: '2026-11-01', to: '2026-11-30', channel: 'fax' }, ['channel']],
    [{ from: '2026-11-01', to: '2026-11-30', limit: '5' }, ['limit']],
  ])('refuses %j with 400 VALIDATION_FAILED naming %j, reading nothing', async (query, fields) => {
    const res = await invoke('GetMessagingAnalytics', query as Record<string, string>);
    expect([res.statusCode, bodyOf(res).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(fieldsOf(res)).toEqual(fields);
    expect(analytics.listDayAggregates).not.toHaveBeenCalled();
  });

  it('takes exactly 366 days (a leap year), and a single day', async () => {
    expect((await invoke('GetMessagingAnalytics', { from: '2024-01-01', to: '2024-12-31' })).statusCode).toBe(200);
    expect((await invoke('GetMessagingAnalytics', { from: '2025-01-01', to: '2026-01-01' })).statusCode).toBe(200);
    expect((await invoke('GetMessagingAnalytics', { from: '2026-12-01', to: '2026-12-01' })).statusCode).toBe(200);
  });

  it('the burst: 50 identical requests at once answer the same', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => invoke('GetMessagingAnalytics', { from: '2026-11-01', to: '2026-11-30' })));
    expect(new Set(answers.map((res) => `${res.statusCode} ${res.body}`)).size).toBe(1);
  });
});

describe('GET /messaging/analytics.csv', () => {
  it('exports the rows as text/csv with a header row and a file name', async () => {
    const res = await invoke('ExportMessagingAnalytics', { from: '2026-11-01', to: '2026-11-30', channel: 'sms' });
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'Content-Type': 'text/csv; charset=utf-8; header=present', 'Content-Disposition': 'attachment; filename="messaging-analytics-2026-11-01-to-2026-11-30-sms.csv"' });
    const lines = res.body.split('\r\n');
    expect(lines[0]!.startsWith('date,channel,incoming,outgoing,opened,resolved,')).toBe(true);
    expect(lines.slice(1, 3).map((line) => line.split(',').slice(0, 6).join(','))).toEqual(['2026-11-29,sms,5,4,2,0', '2026-11-30,whatsapp,2,1,1,1']);
  });

  it('answers bad input as JSON like every route', async () => {
    const res = await invoke('ExportMessagingAnalytics', { from: '2026-11-05', to: '2026-11-01' });
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['Content-Type']).toBe('application/json');
    expect(fieldsOf(res)).toEqual(['to']);
  });
});

describe('GET /messaging/conversations?contact=', () => {
  it('reads the contact\'s conversation on each channel in the caller\'s own partitions, most recent first', async () => {
    const byId = new Map(CHANNELS.map((channel, index) => [conversationIdFor('cust-a', channel, '+15551234567'), conversation({ channel, conversationId: `cv_${channel}`, lastMessageAt: `2026-12-0${index + 1}T00:00:00.000Z` })]));
    conversations.getConversation.mockImplementation(async (customerId, conversationId) => (customerId === 'cust-a' ? byId.get(conversationId) : undefined));
    // An unencoded `+` arrives as a space.
    const res = await invoke('ListConversations', { contact: ' 15551234567' });
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).items.map((item: Conversation) => item.channel)).toEqual([...CHANNELS].reverse());
    expect(bodyOf(res).nextCursor).toBeUndefined();
    expect(conversations.getConversation.mock.calls.map(([customerId]) => customerId)).toEqual(CHANNELS.map(() => 'cust-a'));
    expect(conversations.listConversations).not.toHaveBeenCalled();
  });

  it('narrows by channel (one read) and by status, and finds nothing for a contact the caller never had', async () => {
    conversations.getConversation.mockResolvedValue(conversation({ status: 'resolved' }));
    expect(bodyOf(await invoke('ListConversations', { contact: '+15551234567', channel: 'sms', status: 'open' })).items).toEqual([]);
    expect(conversations.getConversation).toHaveBeenCalledTimes(1);
    expect(conversations.getConversation).toHaveBeenCalledWith('cust-a', conversationIdFor('cust-a', 'sms', '+15551234567'));
    conversations.getConversation.mockResolvedValue(undefined);
    expect(bodyOf(await invoke('ListConversations', { contact: '+15551234567' })).items).toEqual([]);
  });

  it.each([
    [{ contact: '555-1234' }, ['contact']],
    [{ contact: '+1555123456712345678' }, ['contact']],
    [{ contact: '+15551234567', cursor: 'abc' }, ['cursor']],
  ])('refuses %j with 400 naming %j', async (query, fields) => {
    const res = await invoke('ListConversations', query);
    expect([res.statusCode, fieldsOf(res)]).toEqual([400, fields]);
    expect(conversations.getConversation).not.toHaveBeenCalled();
  });
});
