import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /**
   * Subscribed to the topic (it must confirm the subscription email).
   * @default - no subscription; subscribe on-call tooling to the topic output instead
   */
  readonly alarmEmail?: string;
  /**
   * The construct path (below the stack) of the scope the topic lived in before it was its own construct,
   * so its resources keep their logical ids (`['ProvisioningAlarms']`); see `keepLogicalIds`.
   * @default - new logical ids from this construct's path
   */
  readonly legacyPath?: readonly string[];
}

/**
 * The one SNS topic every alarm notifies (provisioning, lifecycle, billing), with the optional
 * `stackpro:alarmEmail` subscription. Passed to each alarms construct so none of them owns it.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'StackPro provisioning alarms',
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and states, no customer data. CloudWatch cannot publish to a topic ' +
        'encrypted with the AWS managed key (aws/sns), and a customer managed key would add cost and key-policy ' +
        'work for nothing worth protecting; SSL is enforced (SNS3).',
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    if (props.legacyPath) keepLogicalIds(this, props.legacyPath);
  }
}

/**
 * Gives every CloudFormation resource under `construct` the logical id it would have under `legacyPath`
 * instead of the construct's own path. The topic used to live in ProvisioningAlarms: a new logical id would
 * make CloudFormation replace it, giving it a new ARN (on-call subscriptions would be lost and the email
 * subscription would need confirming again). The id comes from CDK's own algorithm, on a scratch stack.
 */
function keepLogicalIds(construct: Construct, legacyPath: readonly string[]): void {
  const ownDepth = construct.node.scopes.length;
  if (construct.node.scopes[ownDepth - 2] !== Stack.of(construct)) {
    throw new Error(`${construct.node.path}: legacyPath is below the stack, so the construct must be the stack's direct child`);
  }
  for (const child of construct.node.findAll()) {
    if (!(child instanceof CfnResource)) continue;
    const below = child.node.scopes.slice(ownDepth).map((scope) => scope.node.id);
    child.overrideLogicalId(legacyLogicalId([...legacyPath, ...below]));
  }
}

/** The logical id CDK gives a resource at `path` below its stack. */
function legacyLogicalId(path: readonly string[]): string {
  const scratch = new Stack(new App(), 'Scratch');
  let scope: Construct = scratch;
  for (const id of path.slice(0, -1)) scope = new Construct(scope, id);
  const resource = new CfnResource(scope, path[path.length - 1]!, { type: 'Scratch::Resource' });
  return scratch.getLogicalId(resource);
}
