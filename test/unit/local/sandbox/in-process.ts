import { type EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { EdgeService } from '../../../../local/edge/edge-service';
import { SandboxClock } from '../../../../local/sandbox/clock';
import { createSandbox, type Sandbox } from '../../../../local/sandbox/sandbox';
import { persisted } from '../../../../local/sandbox/json-file';

interface SdkHttpRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * An SDK `requestHandler` that hands the serialized request straight to an emulated service and gives
 * the SDK its response bytes: the real serializers and deserializers run, the network does not.
 */
export function inProcess(service: EdgeService) {
  return {
    handle: async (request: SdkHttpRequest) => {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(request.query ?? {})) {
        for (const item of Array.isArray(value) ? value : [value]) if (item !== null) query.append(key, item);
      }
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
      const body = toBuffer(request.body);
      const response = await service.handle({ method: request.method, path: request.path, query, headers, body, region: 'us-east-1' });
      // As the edge server does: the change is on disk before the answer.
      await persisted();
      return { response: { statusCode: response.statusCode, reason: '', headers: { ...response.headers }, body: Readable.from([Buffer.from(response.body)]) } };
    },
  };
}

function toBuffer(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(String(body));
}

/** Client config for an SDK client wired to one emulated service. */
export function sdkConfig(service: EdgeService, maxAttempts = 1) {
  return {
    region: 'us-east-1',
    endpoint: 'http://sandbox.invalid',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: inProcess(service) as never,
    maxAttempts,
  };
}

/** A sandbox on a clock the test moves by hand (model durations are 1/1000 of their seconds in ms). */
export function testSandbox(capacity: { vcpuQuota?: number; publicIpPool?: number } = {}): { sandbox: Sandbox; clock: SandboxClock; advance: (ms: number) => void; dataDir: string } {
  let now = Date.UTC(2030, 0, 1);
  const clock = new SandboxClock({ profile: 'realistic', scale: 0.001 }, () => now);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-sandbox-'));
  const sandbox = createSandbox({
    dataDir,
    clock,
    settings: {
      hostedZoneId: 'Z0TEST',
      zoneName: 'customers.stackpro.test',
      launchTemplateId: 'lt-0test',
      subnetIds: ['subnet-a', 'subnet-b'],
      senderAddress: 'welcome@stackpro.test',
      deployDocumentName: 'StackPro-DeployApplications',
      ...capacity,
    },
  });
  return { sandbox, clock, advance: (ms) => (now += ms), dataDir };
}

/**
 * Launches one customer's server (tagged Customer=<customer>) and lets it reach `running`: the start of most
 * sandbox EC2 tests. The customer name makes the ClientToken, so each test's server is its own.
 */
export async function launchRunningInstance(ec2: EC2Client, advance: (ms: number) => void, customer: string): Promise<string> {
  const launched = await ec2.send(
    new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateId: 'lt-0test', Version: '$Latest' },
      InstanceType: 't3.micro',
      SubnetId: 'subnet-a',
      MinCount: 1,
      MaxCount: 1,
      ClientToken: `launch-${customer}`,
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Customer', Value: customer }] }],
    }),
  );
  advance(10);
  return launched.Instances![0]!.InstanceId!;
}
