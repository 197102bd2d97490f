import path from 'node:path';
import { LOOPBACK_LAUNCHER, loopbackArgs } from '../../../local/dynamodb-local';

const ARGS = ['-Djava.library.path=../../lib/x/DynamoDBLocal_lib', '-jar', '../../lib/x/DynamoDBLocal.jar', '-dbPath', '/data', '-port', '8000', '-sharedDb'];
const OPTIONS = ['-dbPath', '/data', '-port', '8000', '-sharedDb', '-disableTelemetry'];

describe('loopbackArgs', () => {
  it('runs the package jar through the loopback launcher with the same options', () => {
    const args = loopbackArgs(ARGS);
    expect(args[0]).toBe('-Djava.library.path=../../lib/x/DynamoDBLocal_lib');
    expect(args.slice(args.indexOf('-cp'))).toEqual(['-cp', '../../lib/x/DynamoDBLocal.jar', LOOPBACK_LAUNCHER, ...OPTIONS]);
    expect(args).not.toContain('-jar');
    expect(LOOPBACK_LAUNCHER).toMatch(/local\/java\/LoopbackDynamoDbLocal\.java$/);
  });

  it('runs the compiled launcher from its class dir when there is one', () => {
    const args = loopbackArgs(ARGS, '/tmp/launcher');
    expect(args.slice(args.indexOf('-cp'))).toEqual(['-cp', `../../lib/x/DynamoDBLocal.jar${path.delimiter}/tmp/launcher`, 'LoopbackDynamoDbLocal', ...OPTIONS]);
  });

  it('caps the JVM heap', () => {
    expect(loopbackArgs(ARGS)).toContain('-Xmx512m');
  });

  it('refuses a command line it does not recognise instead of starting an open server', () => {
    expect(() => loopbackArgs(['run', 'amazon/dynamodb-local'])).toThrow(/Unexpected DynamoDB Local command line/);
  });
});
