import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  AddTagsToResourceCommand,
  InvalidResourceId,
  ListTagsForResourceCommand,
  ParameterAlreadyExists,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { StoredParameter } from '../../../../local/sandbox/ssm';
import { sdkConfig, testSandbox } from './in-process';

// Parameter Store as Deploy applications uses it (issue 7, part 4): create once with tags, re-tag, never overwrite.
const { sandbox, dataDir } = testSandbox();
const ssm = new SSMClient(sdkConfig(sandbox.services.ssm));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const NAME = '/stackpro/customers/0b6f0f8e-5d0a-4c59-9a3e-2f1b8c7d6e5f/crm/admin-password';
const tagsOf = async (name: string) => (await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }))).TagList;

describe('Parameter Store through SSMClient (awsJson1_1)', () => {
  it('creates a SecureString with its tags, at version 1', async () => {
    const put = await ssm.send(
      new PutParameterCommand({ Name: NAME, Type: 'SecureString', Value: 's3cret-value', Tags: [{ Key: 'StackProInstance', Value: 'arn:aws:ec2:us-east-1:000000000000:instance/i-1' }] }),
    );
    expect(put).toMatchObject({ Version: 1, Tier: 'Standard' });
    expect(await tagsOf(NAME)).toEqual([{ Key: 'StackProInstance', Value: 'arn:aws:ec2:us-east-1:000000000000:instance/i-1' }]);
  });

  it('refuses to replace an existing value without Overwrite, and keeps the first value', async () => {
    await expect(ssm.send(new PutParameterCommand({ Name: NAME, Type: 'SecureString', Value: 'other' }))).rejects.toBeInstanceOf(ParameterAlreadyExists);
    // What a restarted sandbox would load: the first value, still version 1.
    const stored = JSON.parse(readFileSync(path.join(dataDir, 'sandbox', 'ssm.json'), 'utf8')) as { parameters: StoredParameter[] };
    expect(stored.parameters.find((parameter) => parameter.name === NAME)).toMatchObject({ value: 's3cret-value', version: 1, type: 'SecureString' });
  });

  it('refuses tags together with Overwrite, as AWS does', async () => {
    const put = ssm.send(new PutParameterCommand({ Name: NAME, Type: 'SecureString', Value: 'v2', Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }] }));
    await expect(put).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('moves the instance tag to a new instance and keeps the other tags', async () => {
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: NAME, Tags: [{ Key: 'ManagedBy', Value: 'stackpro' }] }));
    await ssm.send(
      new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: NAME, Tags: [{ Key: 'StackProInstance', Value: 'arn:aws:ec2:us-east-1:000000000000:instance/i-2' }] }),
    );
    expect(await tagsOf(NAME)).toEqual([
      { Key: 'StackProInstance', Value: 'arn:aws:ec2:us-east-1:000000000000:instance/i-2' },
      { Key: 'ManagedBy', Value: 'stackpro' },
    ]);
  });

  it('answers InvalidResourceId for a parameter that does not exist', async () => {
    const tag = ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/stackpro/customers/nobody/x', Tags: [{ Key: 'a', Value: 'b' }] }));
    await expect(tag).rejects.toBeInstanceOf(InvalidResourceId);
  });

  it.each([
    ['a name with a space', { Name: '/stackpro/customers/a b', Type: 'String', Value: 'x' }],
    ['a reserved aws prefix', { Name: '/aws/reference/x', Type: 'String', Value: 'x' }],
    ['an unknown type', { Name: '/stackpro/x', Type: 'Binary', Value: 'x' }],
    ['an empty value', { Name: '/stackpro/y', Type: 'String', Value: '' }],
    ['a tag without a key', { Name: '/stackpro/z', Type: 'String', Value: 'x', Tags: [{ Value: 'v' }] }],
  ])('refuses %s with ValidationException', async (_what, input) => {
    await expect(ssm.send(new PutParameterCommand(input as never))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('lets exactly one of 50 concurrent creations win; the rest get ParameterAlreadyExists', async () => {
    const name = '/stackpro/customers/burst/mail/des-key';
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, index) => ssm.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: `value-${index}` }))),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected').every((result) => (result as PromiseRejectedResult).reason instanceof ParameterAlreadyExists)).toBe(true);
  });
});
