import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/** An API Gateway REST proxy event as the deployed API sends it, for handler tests. */
export function apiEvent(overrides: Partial<APIGatewayProxyEvent> & { json?: unknown; customerId?: string } = {}): APIGatewayProxyEvent {
  const { json, customerId, ...rest } = overrides;
  const path = rest.path ?? '/';
  return {
    resource: path,
    path,
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', Host: 'api.example.test', 'X-Forwarded-Proto': 'https' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: json === undefined ? null : JSON.stringify(json),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      authorizer: customerId ? { customerId, principalId: customerId } : undefined,
      protocol: 'HTTP/1.1',
      httpMethod: rest.httpMethod ?? 'POST',
      identity: { sourceIp: '203.0.113.9' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/prod${path}`,
      stage: 'prod',
      requestId: 'req-1',
      requestTimeEpoch: 0,
      resourceId: 'r',
      resourcePath: path,
      domainName: 'api.example.test',
    },
    ...rest,
  } as APIGatewayProxyEvent;
}

export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
  memoryLimitInMB: '256',
  awsRequestId: 'aws-req-1',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/** Parses a handler's JSON response body. */
export function bodyOf(result: { body: string }): any { // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies are asserted field by field
  return JSON.parse(result.body);
}
