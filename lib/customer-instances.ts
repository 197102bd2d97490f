import { Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { INSTANCE_METRICS } from '../lambdas/core/metric-names';

/** The tag that marks everything provisioning creates; IAM conditions on it limit what steps may touch. */
export const MANAGED_BY_TAG = { key: 'ManagedBy', value: 'stackpro' } as const;

/**
 * The root volume every customer server gets (the launch template's only block device); the cost report
 * (bench/cost-model.ts) reads it from here, so what it prices is what the template creates.
 */
export const ROOT_VOLUME = { deviceName: '/dev/xvda', defaultSizeGiB: 30, type: ec2.EbsDeviceVolumeType.GP3 } as const;

/** What customer servers boot from and how big they are. */
export interface CustomerInstancesProps {
  /** SSM parameter naming the AMI; CloudFormation resolves it at deploy time, so the synth stays offline. */
  readonly amiSsmParameter: string;
  /**
   * Availability zones to spread customers over; Launch instance moves to the next one on capacity errors.
   * An environment-agnostic stack gets at most 2.
   * @default 2
   */
  readonly maxAzs?: number;
  /**
   * Root volume size; the website, CRM and mail containers and their data live on it.
   * @default 30
   */
  readonly rootVolumeGiB?: number;
}

/** Flow logs are for incident response on customer servers: a month is enough to look back on one. */
const FLOW_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * The network and launch template that customer servers run from: a VPC with public subnets only (no NAT
 * gateway: each server has a public IP and reaches Systems Manager over the internet), a security group
 * open on 80/443 only (no SSH: operators use SSM), an instance role that can only talk to the SSM agent
 * endpoints, and a launch template with IMDSv2, an encrypted gp3 root volume and no key pair.
 *
 * The launch template names no network interface on purpose: Launch instance passes `SubnetId` to
 * RunInstances (to move across AZs), and EC2 refuses an instance-level subnet together with template network
 * interfaces. The public IP comes from the subnets' MapPublicIpOnLaunch instead.
 */
export class CustomerInstances extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  /** Assumed by customer servers; other constructs add narrowly scoped reads to it (see DeployDocument). */
  readonly instanceRole: iam.Role;
  readonly launchTemplate: ec2.LaunchTemplate;

  constructor(scope: Construct, id: string, props: CustomerInstancesProps) {
    super(scope, id);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.20.0.0/16'),
      maxAzs: props.maxAzs ?? 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: true }],
      // Nothing is launched into the default security group (the template names ours); restricting it would
      // add a CDK custom resource Lambda outside our StackProFunction conventions.
      restrictDefaultSecurityGroup: false,
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', { retention: FLOW_LOG_RETENTION });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: this.vpc,
      description: 'StackPro customer servers: HTTP and HTTPS from anywhere; no SSH (operators use SSM)',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP (redirects to HTTPS, ACME challenges)');
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS: website, CRM and webmail');
    // Outbound only what the server needs, so a compromised one cannot send spam on port 25.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'SSM, Parameter Store, container registries, package repos');
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'Package repository mirrors over HTTP');
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(587), 'Mail submission to SES (STARTTLS)');
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'Customer websites are public: only 80 and 443 are open to 0.0.0.0/0 (test/infra asserts nothing else, and no SSH).',
    });

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Customer servers: SSM agent (Run Command) only; customer parameters are granted by DeployDocument',
    });
    // The Run Command subset of AmazonSSMManagedInstanceCore, without its ssm:GetParameter(s) on every
    // parameter in the account: one customer's server must never read another customer's secrets.
    this.instanceRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'ssm:UpdateInstanceInformation',
          'ssm:ListInstanceAssociations',
          'ec2messages:AcknowledgeMessage',
          'ec2messages:DeleteMessage',
          'ec2messages:FailMessage',
          'ec2messages:GetEndpoint',
          'ec2messages:GetMessages',
          'ec2messages:SendReply',
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
        ],
        resources: ['*'],
      }),
    );
    // The CloudWatch agent ships disk_used (the status route's usage): our namespace only, nothing else.
    this.instanceRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': INSTANCE_METRICS.namespace } },
      }),
    );
    Validations.of(this.instanceRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The SSM agent channel actions (ssm:UpdateInstanceInformation, ssm:ListInstanceAssociations, ec2messages:*, ' +
        'ssmmessages:*) have no resource-level permissions; this is the Run Command subset of AmazonSSMManagedInstanceCore. ' +
        'cloudwatch:PutMetricData has none either: a cloudwatch:namespace condition limits it to StackPro/CustomerInstances.',
    });

    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      // A CloudFormation parameter of type AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>: resolved at deploy time.
      machineImage: ec2.MachineImage.fromSsmParameter(props.amiSsmParameter, { os: ec2.OperatingSystemType.LINUX }),
      // User data only installs and starts the CloudWatch agent: the SSM agent ships with Amazon Linux 2023, and
      // applications arrive by Run Command (DeployDocument), which fetches secrets at run time. User data is
      // readable by anyone with ec2:DescribeInstanceAttribute, so it must never carry a secret.
      userData: cloudWatchAgentUserData(),
      role: this.instanceRole,
      securityGroup: this.securityGroup,
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      // Containers on the host cannot reach the instance credentials through an extra network hop.
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: ROOT_VOLUME.deviceName,
          volume: ec2.BlockDeviceVolume.ebs(props.rootVolumeGiB ?? ROOT_VOLUME.defaultSizeGiB, {
            encrypted: true,
            volumeType: ROOT_VOLUME.type,
            deleteOnTermination: true,
          }),
        },
      ],
      detailedMonitoring: false,
      // Rollback must be able to terminate a half-built server.
      disableApiTermination: false,
    });
    // EC2 simplified automatic recovery: a failed system status check moves the instance to healthy hardware
    // (same id, IP and EBS volume). On by default for T3; stated here so no one turns it off by accident, and
    // because customer servers are launched by a Lambda, so no per-instance recover alarm is needed (README "Monitoring").
    (this.launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride('LaunchTemplateData.MaintenanceOptions.AutoRecovery', 'default');
    // Propagated by the template to the instances and volumes it launches (and to the template itself).
    Tags.of(this.launchTemplate).add(MANAGED_BY_TAG.key, MANAGED_BY_TAG.value);
  }

  /** Public subnets, in order of preference; Launch instance tries the next on InsufficientInstanceCapacity. */
  get subnetIds(): string[] {
    return this.vpc.publicSubnets.map((subnet) => subnet.subnetId);
  }

  /** ARN of the launch template, for RunInstances permissions. */
  get launchTemplateArn(): string {
    return Stack.of(this).formatArn({
      service: 'ec2',
      resource: 'launch-template',
      resourceName: this.launchTemplate.launchTemplateId,
    });
  }
}

/**
 * The CloudWatch agent's configuration: `disk_used` of the root file system every minute, under our
 * namespace, rolled up to the InstanceId dimension only (the series the usage job reads); the per-path
 * original is dropped, so each server costs one custom metric.
 */
export const CLOUDWATCH_AGENT_CONFIG = {
  agent: { metrics_collection_interval: 60, omit_hostname: true },
  metrics: {
    namespace: INSTANCE_METRICS.namespace,
    append_dimensions: { InstanceId: '${aws:InstanceId}' },
    aggregation_dimensions: [[INSTANCE_METRICS.dimension]],
    metrics_collected: {
      disk: { measurement: ['used'], resources: ['/'], drop_device: true, drop_original_metrics: [INSTANCE_METRICS.diskUsed] },
    },
  },
} as const;

const AGENT_CONFIG_PATH = '/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json';

/** Installs the agent from the Amazon Linux repository, writes its configuration and starts it (no secret in it). */
function cloudWatchAgentUserData(): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  userData.addCommands(
    'dnf install -y amazon-cloudwatch-agent',
    `cat > ${AGENT_CONFIG_PATH} <<'AGENT_CONFIG'`,
    JSON.stringify(CLOUDWATCH_AGENT_CONFIG),
    'AGENT_CONFIG',
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${AGENT_CONFIG_PATH}`,
  );
  return userData;
}
