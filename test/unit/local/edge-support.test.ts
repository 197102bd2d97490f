import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { EdgeRequest, EdgeService } from '../../../local/edge/edge-service';
import { stepFunctionsService } from '../../../local/edge/step-functions';
import { detectProtocol, unknownServiceError } from '../../../local/edge/unknown-service';
import type { StepFunctionsEngine } from '../../../local/step-functions/engine';
import type { ExecutionRecord } from '../../../local/step-functions/execution-store';
import type { HistoryEvent } from '../../../local/step-functions/history';
import { sdkConfig } from './sandbox/in-process';

/** What the edge answers where support's AWS CLI reaches beyond what it emulates, and how it pages history. */
const unknown = (service: string): EdgeService => ({ handle: async (request) => unknownServiceError(service, request, ['ec2', 'states']) });

const request = (headers: Record<string, string>, body = '', query = ''): EdgeRequest => ({
  method: 'POST',
  path: '/',
  query: new URLSearchParams(query),
  headers,
  body: Buffer.from(body),
  region: 'us-east-1',
});

describe('a service the edge does not emulate', () => {
  it('answers a query-protocol client (STS) with XML it parses into the error and message', async () => {
    const sts = new STSClient(sdkConfig(unknown('sts')));

    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: 'The StackPro local stack does not emulate the "sts" service (GetCallerIdentity). It answers: ec2, states; DynamoDB has its own port.',
    });
  });

  it('answers an awsJson client with a JSON __type', async () => {
    const dynamo = new DynamoDBClient(sdkConfig(unknown('dynamodb')));

    await expect(dynamo.send(new DescribeTableCommand({ TableName: 't' }))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });

  it.each([
    ['awsJson', 'logs', request({ 'x-amz-target': 'Logs_20140328.DescribeLogGroups' })],
    ['rpcv2Cbor', 'monitoring', request({ 'smithy-protocol': 'rpc-v2-cbor' })],
    ['ec2Query', 'ec2', request({ 'content-type': 'application/x-www-form-urlencoded' }, 'Action=DescribeVpcs&Version=2016-11-15')],
    ['awsQuery', 'iam', request({ 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 'Action=ListRoles&Version=2010-05-08')],
    ['restXml', 's3', request({})],
    ['restJson', 'lambda', request({ 'content-type': 'application/json' }, '{}')],
  ])('reads the %s protocol from a %s request', (protocol, service, edgeRequest) => {
    expect(detectProtocol(service, edgeRequest)).toBe(protocol);
  });

  it('writes an rpcv2Cbor error as a CBOR map of __type and message, sent as bytes', () => {
    const response = unknownServiceError('monitoring', { ...request({ 'smithy-protocol': 'rpc-v2-cbor' }), path: '/service/GraniteServiceVersion20100801/operation/GetMetricData' }, []);
    const bytes = Buffer.from(response.body, 'latin1');

    expect(response).toMatchObject({ statusCode: 400, binary: true, headers: { 'smithy-protocol': 'rpc-v2-cbor' } });
    expect(bytes[0]).toBe(0xa2); // a map of two pairs
    expect(bytes.subarray(1, 8).toString('latin1')).toBe('\u0066__type'); // text(6) "__type"
    expect(bytes.toString('latin1')).toContain('UnknownOperationException');
    expect(bytes.toString('latin1')).toContain('(GetMetricData)');
  });
});

describe('GetExecutionHistory pages', () => {
  const event = (id: number): HistoryEvent => ({ id, previousEventId: id - 1, type: 'PassStateEntered', timestamp: id });
  const record = { executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Flow:run', history: [1, 2, 3, 4, 5].map(event) } as unknown as ExecutionRecord;
  const engine = { describe: () => record } as unknown as StepFunctionsEngine;
  const sfn = new SFNClient(sdkConfig(stepFunctionsService(engine)));
  const page = (input: { maxResults?: number; reverseOrder?: boolean; nextToken?: string }) =>
    sfn.send(new GetExecutionHistoryCommand({ executionArn: record.executionArn, ...input }));

  it('pages backwards without skipping or repeating while a running execution adds events', async () => {
    const first = await page({ maxResults: 2, reverseOrder: true });
    record.history.push(event(6));
    const second = await page({ maxResults: 2, reverseOrder: true, nextToken: first.nextToken });
    const third = await page({ maxResults: 2, reverseOrder: true, nextToken: second.nextToken });

    expect([first, second, third].map((answer) => answer.events?.map((e) => e.id))).toEqual([[5, 4], [3, 2], [1]]);
    expect(third.nextToken).toBeUndefined();
  });

  it('pages forwards to the end', async () => {
    const first = await page({ maxResults: 4 });
    const second = await page({ maxResults: 4, nextToken: first.nextToken });

    expect([...(first.events ?? []), ...(second.events ?? [])].map((e) => e.id)).toEqual(record.history.map((e) => e.id));
  });

  it.each([
    ['a page over 1000 events', { maxResults: 1001 }, 'ValidationException'],
    ['a token from the other direction', { reverseOrder: true, nextToken: Buffer.from('f3').toString('base64url') }, 'InvalidToken'],
    ['a forged token', { nextToken: 'garbage' }, 'InvalidToken'],
  ])('refuses %s', async (_case, input, code) => {
    await expect(page(input)).rejects.toMatchObject({ name: code });
  });
});
