import { LOOPBACK_LAUNCHER, loopbackArgs } from '../../../local/dynamodb-local';

describe('loopbackArgs', () => {
  it('runs the package jar through the loopback launcher with the same options', () => {
    const args = ['-Djava.library.path=../../lib/x/DynamoDBLocal_lib', '-jar', '../../lib/x/DynamoDBLocal.jar', '-dbPath', '/data', '-port', '8000', '-sharedDb'];
    expect(loopbackArgs(args)).toEqual([
      '-Djava.library.path=../../lib/x/DynamoDBLocal_lib',
      '-cp',
      '../../lib/x/DynamoDBLocal.jar',
      LOOPBACK_LAUNCHER,
      '-dbPath',
      '/data',
      '-port',
      '8000',
      '-sharedDb',
      '-disableTelemetry',
    ]);
    expect(LOOPBACK_LAUNCHER).toMatch(/local\/java\/LoopbackDynamoDbLocal\.java$/);
  });

  it('refuses a command line it does not recognise instead of starting an open server', () => {
    expect(() => loopbackArgs(['run', 'amazon/dynamodb-local'])).toThrow(/Unexpected DynamoDB Local command line/);
  });
});
