import { createHash } from 'node:crypto';
import type { SandboxClock } from './clock';
import type { StoredInstance } from './ec2';

/**
 * What a sandbox customer server does with its disk and network, in MODEL time, derived from its state
 * history (only a running server writes or sends anything) and a per-instance factor from its id, so each
 * server differs but every answer is reproducible. CloudWatch's GetMetricData and EC2's snapshot sizes
 * both read it.
 */
export const USAGE_MODEL = {
  /** The OS, the agent and the app containers, written during the first boot. */
  baseDiskBytes: 3.2 * 2 ** 30,
  /** Data the apps write per model hour while running (mail, CRM, uploads), times 1..2 by instance. */
  diskGrowthBytesPerHour: 40 * 2 ** 20,
  /** The root volume the launch template gives every plan (lib/customer-instances.ts). */
  volumeBytes: 30 * 2 ** 30,
  /** The file system never reports more than this share of the volume used. */
  fullShare: 0.9,
  /** Bytes sent out per model second while running (web, webmail, CRM), times 1..2 by instance. */
  networkOutBytesPerSecond: 12 * 1024,
  /** The CloudWatch agent starts shipping with the SSM agent, this long after the first boot (model seconds). */
  agentStartSeconds: 25,
} as const;

/** The instance's own factor in [1, 2), from its id. */
function factorOf(instance: Pick<StoredInstance, 'instanceId'>): number {
  return 1 + createHash('sha256').update(instance.instanceId).digest().readUInt16BE(0) / 65_536;
}

/** Model seconds in a span of real ms; the instant profile (scale 0) counts like the fast one. */
function modelSeconds(clock: SandboxClock, realMs: number): number {
  const scale = clock.scale > 0 ? clock.scale : 0.01;
  return realMs / 1000 / scale;
}

/** Real ms the instance spent running within [from, to). */
export function runningMs(instance: Pick<StoredInstance, 'transitions'>, from: number, to: number): number {
  let total = 0;
  const transitions = instance.transitions;
  for (let i = 0; i < transitions.length; i += 1) {
    if (transitions[i].state !== 'running') continue;
    const start = Math.max(transitions[i].at, from);
    const end = Math.min(transitions[i + 1]?.at ?? Number.POSITIVE_INFINITY, to);
    if (end > start) total += end - start;
  }
  return total;
}

/** When the CloudWatch agent first shipped a datapoint (real epoch ms), or undefined if it never ran. */
export function agentStartedAt(instance: Pick<StoredInstance, 'transitions'>, clock: SandboxClock): number | undefined {
  const firstRunning = instance.transitions.find((transition) => transition.state === 'running')?.at;
  if (firstRunning === undefined) return undefined;
  const scale = clock.scale > 0 ? clock.scale : 0.01;
  return firstRunning + USAGE_MODEL.agentStartSeconds * 1000 * scale;
}

/** Bytes used on the root file system at `at`: the base, plus what the apps wrote while running. */
export function diskUsedBytes(instance: Pick<StoredInstance, 'instanceId' | 'transitions'>, at: number, clock: SandboxClock): number {
  const hours = modelSeconds(clock, runningMs(instance, Number.NEGATIVE_INFINITY, at)) / 3600;
  const grown = USAGE_MODEL.baseDiskBytes + hours * USAGE_MODEL.diskGrowthBytesPerHour * factorOf(instance);
  return Math.round(Math.min(grown, USAGE_MODEL.volumeBytes * USAGE_MODEL.fullShare));
}

/** Bytes the instance sent out within [from, to). */
export function networkOutBytes(instance: Pick<StoredInstance, 'instanceId' | 'transitions'>, from: number, to: number, clock: SandboxClock): number {
  return Math.round(modelSeconds(clock, runningMs(instance, from, to)) * USAGE_MODEL.networkOutBytesPerSecond * factorOf(instance));
}
