import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CUSTOMER_PARAMETER_PREFIX, CUSTOMER_SECRETS, INSTANCE_TAG, type CustomerSecret } from '../lambdas/core/customer-secrets';
import { PLAN_NAMES } from '../lambdas/core/plans';
import { APP_VERSIONS, CURRENT_APP_VERSION } from '../lambdas/core/app-versions';
import { CUSTOMER_CONTAINERS, type CustomerContainer, imagesByVersion, secretsInUse } from './customer-containers';

/** What the document runs on and which subdomains it may be given. */
export interface DeployDocumentProps {
  /** Role of the customer servers: it may read the customer parameters tagged with its own instance (and nothing else). */
  readonly instanceRole: iam.IRole;
  /** Parent domain of customer subdomains; the Subdomain parameter must be exactly one label under it. */
  readonly customerDomain: string;
  /**
   * The document's name, which Deploy applications gets as DEPLOY_DOCUMENT_NAME.
   * @default 'StackPro-DeployApplications'
   */
  readonly documentName?: string;
}

/** Parameter Store path of customer secrets (lambdas/core/customer-secrets.ts, which the step that writes them shares). */
export { CUSTOMER_PARAMETER_PREFIX } from '../lambdas/core/customer-secrets';

/** One DNS label: lower-case letters, digits and inner hyphens (as lambdas/core/slug.ts makes them). */
const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';

/** A customer id is the UUID that sign-up generates. */
const CUSTOMER_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** `crmDbPassword` -> `SECRET_CRM_DB_PASSWORD`: the shell variable a secret is held in while files are written. */
const secretVariable = (secret: CustomerSecret) => `SECRET_${secret.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;

/** The line that writes one container's env file (0600, root only): its own secrets and settings, nothing else. */
function envFileLines(container: CustomerContainer): string[] {
  const secrets = Object.entries(container.secrets);
  const settings = Object.entries(container.env);
  if (secrets.length + settings.length === 0) return [];
  // Secrets go through printf arguments, never into the format string, so no value is read as a format.
  const format = [...secrets.map(([name]) => `${name}=%s\\n`), ...settings.map(([name, value]) => `${name}=${value}\\n`)].join('');
  const values = secrets.map(([, secret]) => `"$${secretVariable(secret)}"`);
  const file = `"$APP_DIR/env/${container.name}.env"`;
  return [`printf "${format}" ${values.join(' ')} > ${file}.new && mv ${file}.new ${file}`.replace(/ {2,}/g, ' ')];
}

/** `db` -> `IMAGE_DB`: the shell variable holding a container's image for the chosen version. */
const imageVariable = (container: CustomerContainer) => `IMAGE_${container.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** Exit code of a failed health check: Check app update tells it from any other failure (ResponseCode). */
export const HEALTH_CHECK_EXIT_CODE = 3;

/**
 * `case` over every version of lambdas/core/app-versions.json, setting each container's image variable;
 * an unknown version exits 2 before anything is touched (the allowedPattern admits only listed ones anyway).
 */
function versionSwitch(): string[] {
  const arms = [...imagesByVersion()].map(
    ([version, images]) => `  '${version}') ${CUSTOMER_CONTAINERS.map((container) => `${imageVariable(container)}='${images[container.name]}'`).join('; ')} ;;`,
  );
  return ['case "$APP_VERSION" in', ...arms, '  *) echo "Unknown app version $APP_VERSION" >&2; exit 2 ;;', 'esac'];
}

/**
 * After the containers run: every app must answer through the container network (from the proxy, which
 * reaches each by name) within 2 minutes, or the command fails with HEALTH_CHECK_EXIT_CODE and the fleet
 * update puts the previous version back. The version is written only once the apps answer.
 */
function healthCheck(): string[] {
  const upstreams = CUSTOMER_CONTAINERS.filter((container) => container.port !== undefined).map((container) => `${container.name}:${container.port}`);
  return [
    `for app in ${upstreams.join(' ')}; do ok=0`,
    '  for _ in $(seq 1 24); do if docker exec proxy wget -q -O /dev/null -T 5 "http://$app/"; then ok=1; break; fi; sleep 5; done',
    `  if [ "$ok" != 1 ]; then echo "Health check failed: $app did not answer within 120 s on version $APP_VERSION" >&2; exit ${HEALTH_CHECK_EXIT_CODE}; fi`,
    'done',
    'printf "%s\\n" "$APP_VERSION" > "$APP_DIR/app-version"',
    'echo "StackPro apps answer on version $APP_VERSION"',
  ];
}

/** `run <name> <image> <docker args...>`: the hardened flags every container gets, in one place. */
function runLine(container: CustomerContainer): string {
  const caps = container.capAdd.map((cap) => `--cap-add ${cap}`);
  const env = Object.keys(container.secrets).length + Object.keys(container.env).length > 0 ? [`--env-file "$APP_DIR/env/${container.name}.env"`] : [];
  return ['run', container.name, `"$${imageVariable(container)}"`, ...caps, ...env, ...container.args].join(' ');
}

/**
 * The script, as Run Command lines. SSM pastes parameter values into the text, so every parameter has an
 * allowedPattern that admits no quote, space, `$`, `;` or newline, and each is also single-quoted here.
 * Idempotent: a container already running its pinned image is left alone; one on another image (another
 * version) is replaced, its data kept in its named volume. The same document therefore deploys a new
 * server, rolls a fleet update forward and rolls one back: only AppVersion differs.
 */
function deployScript(region: string): string[] {
  const secrets = secretsInUse();
  const upstreams = CUSTOMER_CONTAINERS.filter((container) => container.port !== undefined);
  const route = (container: CustomerContainer) => `${container.name}:${container.port}`;
  const website = upstreams.find((container) => container.name === 'website')!;
  const paths = upstreams.filter((container) => container !== website).map((container) => `  reverse_proxy /${container.name}/* ${route(container)}\\n`);
  return [
    'set -euo pipefail',
    "CUSTOMER_ID='{{ CustomerId }}'",
    "SUBDOMAIN='{{ Subdomain }}'",
    "PLAN='{{ Plan }}'",
    "APP_VERSION='{{ AppVersion }}'",
    `export AWS_DEFAULT_REGION='${region}'`,
    'APP_DIR=/opt/stackpro',
    'umask 077',
    'install -d -m 0700 "$APP_DIR" "$APP_DIR/env"',
    ...versionSwitch(),
    'command -v docker >/dev/null || dnf install -y docker',
    'systemctl enable --now docker',
    '# Secrets are read at run time, one parameter by exact name (never by path), and never travel in the command',
    '# or user data. IAM lets this server read only parameters tagged with its own instance ARN.',
    `secret() { aws ssm get-parameter --name "${CUSTOMER_PARAMETER_PREFIX}/$CUSTOMER_ID/$1" --with-decryption --query Parameter.Value --output text; }`,
    ...secrets.map((secret) => `${secretVariable(secret)}="$(secret ${CUSTOMER_SECRETS[secret].path})"`),
    ...CUSTOMER_CONTAINERS.flatMap(envFileLines),
    `unset ${secrets.map(secretVariable).join(' ')}`,
    `printf '%s {\\n${paths.join('')}  reverse_proxy ${route(website)}\\n}\\n' "$SUBDOMAIN" > "$APP_DIR/Caddyfile"`,
    'docker network inspect stackpro >/dev/null 2>&1 || docker network create stackpro',
    // No Go template (`{{.Config.Image}}`) here: SSM would read it as a document parameter.
    'run() { name="$1"; image="$2"; shift 2',
    '  if docker container inspect "$name" 2>/dev/null | grep -qF "\\"Image\\": \\"$image\\""; then return 0; fi',
    '  docker rm -f "$name" >/dev/null 2>&1 || true',
    '  docker run -d --name "$name" --network stackpro --restart unless-stopped --security-opt no-new-privileges:true --cap-drop ALL \\',
    '    --label "stackpro.customer=$CUSTOMER_ID" --label "stackpro.plan=$PLAN" "$@" "$image"; }',
    ...CUSTOMER_CONTAINERS.map(runLine),
    'docker ps',
    ...healthCheck(),
  ];
}

/**
 * The SSM Command document that Deploy applications runs on a new customer server: it installs Docker
 * and starts the website, CRM and webmail containers behind a TLS proxy for the customer's subdomain.
 * Updates create a new document version and make it the default (the name stays stable for the step).
 */
export class DeployDocument extends Construct {
  readonly document: ssm.CfnDocument;
  readonly documentName: string;

  constructor(scope: Construct, id: string, props: DeployDocumentProps) {
    super(scope, id);
    this.documentName = props.documentName ?? 'StackPro-DeployApplications';
    const domain = props.customerDomain.replace(/\./g, '\\.');

    this.document = new ssm.CfnDocument(this, 'Document', {
      name: this.documentName,
      documentType: 'Command',
      documentFormat: 'JSON',
      targetType: '/AWS::EC2::Instance',
      // A named document cannot be replaced in place; a new version keeps the name and becomes the default.
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '2.2',
        description: 'StackPro: install and start the website, CRM and webmail containers for one customer',
        parameters: {
          CustomerId: {
            type: 'String',
            description: 'The customer id (a UUID); selects the Parameter Store path the secrets are read from',
            allowedPattern: CUSTOMER_ID_PATTERN,
          },
          Subdomain: {
            type: 'String',
            description: `The customer's host name, one label under ${props.customerDomain}`,
            allowedPattern: `^${LABEL}\\.${domain}$`,
          },
          Plan: {
            type: 'String',
            description: 'The customer plan',
            allowedPattern: `^(${PLAN_NAMES.join('|')})$`,
          },
          AppVersion: {
            type: 'String',
            description: 'The app version to run (lambdas/core/app-versions.json); a fleet update sends the new one, a rollback the previous one',
            default: CURRENT_APP_VERSION,
            allowedPattern: `^(${APP_VERSIONS.map((entry) => entry.version.replace(/\./g, '\\.')).join('|')})$`,
          },
        },
        mainSteps: [
          {
            action: 'aws:runShellScript',
            name: 'DeployApplications',
            precondition: { StringEquals: ['platformType', 'Linux'] },
            inputs: { timeoutSeconds: '600', runCommand: deployScript(Stack.of(this).region) },
          },
        ],
      },
    });

    grantOwnSecretsOnly(props.instanceRole, Stack.of(this));
  }

  /** ARN of the document, for ssm:SendCommand permissions. */
  get documentArn(): string {
    return Stack.of(this).formatArn({ service: 'ssm', resource: 'document', resourceName: this.documentName });
  }
}

/** The policy variable that resolves to the calling instance's ARN (present only for instance-profile credentials). */
export const SOURCE_INSTANCE_ARN = '$' + '{ec2:SourceInstanceARN}';

/**
 * Attribute-based access for customer servers (README "Customer server secrets", with the AWS documentation
 * for every key): a server may read a customer parameter only when the parameter's StackProInstance tag
 * equals the ARN of the very instance asking. Deploy applications sets that tag to the customer's current
 * instance. Fails closed: with no instance ARN in the request (credentials used off the instance) or no tag
 * on the parameter, the Null condition and the variable match nothing. No GetParametersByPath, and an
 * explicit deny on every write and tagging action, so a server cannot re-tag another customer's secret.
 */
function grantOwnSecretsOnly(instanceRole: iam.IRole, stack: Stack): void {
  const tagKey = `ssm:resourceTag/${INSTANCE_TAG}`;
  const customerParameters = stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${CUSTOMER_PARAMETER_PREFIX.slice(1)}/*` });
  instanceRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadOwnSecretsOnly',
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: [customerParameters],
      conditions: {
        StringEquals: { [tagKey]: SOURCE_INSTANCE_ARN },
        Null: { 'ec2:SourceInstanceARN': 'false', [tagKey]: 'false' },
      },
    }),
  );
  instanceRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'NeverWriteOrTagParameters',
      effect: iam.Effect.DENY,
      actions: [
        'ssm:GetParametersByPath',
        'ssm:PutParameter',
        'ssm:DeleteParameter',
        'ssm:DeleteParameters',
        'ssm:LabelParameterVersion',
        'ssm:UnlabelParameterVersion',
        'ssm:AddTagsToResource',
        'ssm:RemoveTagsFromResource',
      ],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: '*' })],
    }),
  );
  Validations.of(instanceRole).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/stackpro/customers/*]',
    reason:
      'Customer servers read their secrets by exact name at run time; a parameter is readable only when its ' +
      'StackProInstance tag equals the calling instance ARN (ec2:SourceInstanceARN), so one server reads its own customer only.',
  });
}
