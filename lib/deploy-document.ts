import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { PLAN_NAMES } from '../lambdas/core/plans';

/** What the document runs on and which subdomains it may be given. */
export interface DeployDocumentProps {
  /** Role of the customer servers: it gets read access to the customer parameters the script fetches. */
  readonly instanceRole: iam.IRole;
  /** Parent domain of customer subdomains; the Subdomain parameter must be exactly one label under it. */
  readonly customerDomain: string;
  /**
   * The document's name, which Deploy applications gets as DEPLOY_DOCUMENT_NAME.
   * @default 'StackPro-DeployApplications'
   */
  readonly documentName?: string;
}

/** Parameter Store path under which each customer's runtime secrets live: `<prefix>/<CustomerId>/...`. */
export const CUSTOMER_PARAMETER_PREFIX = '/stackpro/customers';

/** One DNS label: lower-case letters, digits and inner hyphens (as lambdas/core/slug.ts makes them). */
const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';

/** A customer id is the UUID that sign-up generates. */
const CUSTOMER_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/**
 * The script, as Run Command lines. SSM pastes parameter values into the text, so every parameter has an
 * allowedPattern that admits no quote, space, `$`, `;` or newline, and each is also single-quoted here.
 * Idempotent: a second run leaves running containers alone and rewrites the same files.
 */
function deployScript(region: string): string[] {
  return [
    'set -euo pipefail',
    "CUSTOMER_ID='{{ CustomerId }}'",
    "SUBDOMAIN='{{ Subdomain }}'",
    "PLAN='{{ Plan }}'",
    `export AWS_DEFAULT_REGION='${region}'`,
    'APP_DIR=/opt/stackpro',
    'install -d -m 0700 "$APP_DIR"',
    'command -v docker >/dev/null || dnf install -y docker',
    'systemctl enable --now docker',
    '# Secrets are read at run time from Parameter Store, never passed in the command or kept in user data.',
    `aws ssm get-parameters-by-path --path "${CUSTOMER_PARAMETER_PREFIX}/$CUSTOMER_ID/" --recursive --with-decryption \\`,
    "  --query 'Parameters[].[Name,Value]' --output text | while IFS=$'\\t' read -r name value; do",
    '    printf \'%s=%s\\n\' "$(basename "$name" | tr \'a-z-\' \'A-Z_\')" "$value"; done > "$APP_DIR/secrets.env.new"',
    'chmod 0600 "$APP_DIR/secrets.env.new" && mv "$APP_DIR/secrets.env.new" "$APP_DIR/secrets.env"',
    'printf \'%s {\\n  reverse_proxy /crm/* crm:80\\n  reverse_proxy /mail/* mail:80\\n  reverse_proxy website:80\\n}\\n\' "$SUBDOMAIN" > "$APP_DIR/Caddyfile"',
    'docker network inspect stackpro >/dev/null 2>&1 || docker network create stackpro',
    'start() { docker inspect "$1" >/dev/null 2>&1 || docker run -d --name "$1" --network stackpro --restart unless-stopped \\',
    '  --env-file "$APP_DIR/secrets.env" -e STACKPRO_CUSTOMER_ID="$CUSTOMER_ID" -e STACKPRO_PLAN="$PLAN" "${@:2}"; }',
    'start website nginx:1.27-alpine',
    'start crm espocrm/espocrm:9',
    'start mail roundcube/roundcubemail:1.6.9-apache',
    'start proxy -p 80:80 -p 443:443 -v "$APP_DIR/Caddyfile:/etc/caddy/Caddyfile:ro" -v caddy-data:/data caddy:2',
    // No `{{ }}` besides the parameters: SSM would read it as a parameter reference.
    'docker ps',
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

    // The script reads `<prefix>/<CustomerId>/` only; IAM cannot tie the path to the server's own customer
    // (instance tags are no policy variable), so the role can read every customer's path (follow-up in the report).
    const parameters = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${CUSTOMER_PARAMETER_PREFIX.slice(1)}/*`,
    });
    props.instanceRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:GetParametersByPath', 'ssm:GetParameter', 'ssm:GetParameters'],
        resources: [parameters],
      }),
    );
    Validations.of(props.instanceRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/stackpro/customers/*]',
      reason:
        'The deploy script reads /stackpro/customers/<CustomerId>/ at run time (secrets never travel in the command); ' +
        'the customer id is only known per server, so the grant covers the customer prefix and nothing else.',
    });
  }

  /** ARN of the document, for ssm:SendCommand permissions. */
  get documentArn(): string {
    return Stack.of(this).formatArn({ service: 'ssm', resource: 'document', resourceName: this.documentName });
  }
}
