import type { Ec2Model } from './ec2';
import { absoluteName, type Route53Model } from './route53';
import type { SesModel } from './sesv2';
import type { SsmModel } from './ssm';

export interface InventoryQuery {
  /**
   * Include terminated and shutting-down instances. EC2 stops billing an instance once it is
   * shutting-down, so both are left out by default.
   */
  readonly all: boolean;
  /** Only instances tagged Customer=<id>. */
  readonly customer?: string;
}

/** What the sandbox holds right now, for developers and tests: `GET /_sandbox/inventory`. */
export function buildInventory(models: { ec2: Ec2Model; route53: Route53Model; ses: SesModel; ssm: SsmModel }, query: InventoryQuery) {
  const { ec2, route53, ses, ssm } = models;
  const apex = absoluteName(route53.settings.zoneName);
  const instances = ec2
    .all()
    .map((instance) => ({ instance, state: ec2.stateOf(instance).state }))
    .filter(({ state }) => query.all || (state !== 'terminated' && state !== 'shutting-down'))
    .filter(({ instance }) => query.customer === undefined || instance.tags.some((tag) => tag.Key === 'Customer' && tag.Value === query.customer))
    .map(({ instance, state }) => ({
      instanceId: instance.instanceId,
      state,
      instanceType: instance.instanceType,
      publicIp: ec2.visiblePublicIp(instance) ?? null,
      tags: Object.fromEntries(instance.tags.map((tag) => [tag.Key, tag.Value])),
      agent: ssm.pingStatus(instance) ?? null,
      launchedAt: new Date(instance.launchedAt).toISOString(),
    }));
  return {
    instances,
    // The zone's own SOA and NS records are plumbing, not something we created.
    records: route53
      .records()
      .filter((record) => !(record.name === apex && ['SOA', 'NS'].includes(record.type)))
      .map((record) => ({ name: record.name, type: record.type, values: record.values, ttl: record.ttl })),
    identities: ses.identities().map((identity) => ({
      identity: identity.identity,
      type: identity.type,
      status: ses.isVerified(identity) ? 'SUCCESS' : 'PENDING',
    })),
    commands: ssm.commands().flatMap((command) =>
      command.instanceIds.map((instanceId) => ({
        commandId: command.commandId,
        instanceId,
        documentName: command.documentName,
        status: ssm.status(command),
      })),
    ),
    // EBS snapshots (deprovisioning's final backups) outlive their instance, so all are listed.
    snapshots: ec2
      .snapshots()
      .filter((snapshot) => query.customer === undefined || snapshot.tags.some((tag) => tag.Key === 'Customer' && tag.Value === query.customer))
      .map((snapshot) => ({
        snapshotId: snapshot.snapshotId,
        volumeId: snapshot.volumeId,
        state: ec2.snapshotState(snapshot),
        tags: Object.fromEntries(snapshot.tags.map((tag) => [tag.Key, tag.Value])),
        startedAt: new Date(snapshot.startedAt).toISOString(),
      })),
  };
}
