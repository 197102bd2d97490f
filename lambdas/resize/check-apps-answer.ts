import * as z from 'zod/mini';
import { getInfrastructure, updateInfrastructure } from '../repositories/infrastructure';
import { text, workflowStep } from '../workflows/step-kit';
import { AppsNotAnsweringError, NotReadyError } from './errors';
import { InstanceStep } from './resize-input';
import { sendShellCommand, shellCommandOutcome } from './shell-command';

/**
 * The paths the proxy serves each app under (the Caddyfile lib/deploy-document.ts writes from
 * lib/customer-containers.ts: the website at the root, every other app under `/<name>/`); a test holds them
 * to the container list.
 */
export const APP_PATHS: Readonly<Record<string, string>> = { website: '/', crm: '/crm/', mail: '/mail/' };

/** A host name of DNS labels (what sign-up makes): nothing a shell would read as more than a word. */
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * The check, run on the server: each app through the proxy on the server's own address, by the customer's
 * host name, as a visitor reaches it. curl retries for about a minute while the containers start again
 * after the boot (Docker restarts them: `--restart unless-stopped`); any app still failing fails the
 * command. `--insecure`: this checks that the apps answer; the certificate is Caddy's to renew.
 */
export function appsCheckScript(subdomain: string): string[] {
  if (!HOST_NAME.test(subdomain)) throw new Error('The subdomain is not a host name');
  return [
    'set -eu',
    ...Object.entries(APP_PATHS).map(
      ([app, path]) =>
        `curl --silent --show-error --fail --insecure --output /dev/null --max-time 5 --retry 12 --retry-delay 5 --retry-all-errors ` +
        `--resolve '${subdomain}:443:127.0.0.1' 'https://${subdomain}${path}' || { echo '${app} does not answer' >&2; exit 1; }`,
    ),
  ];
}

const Input = z.extend(InstanceStep, { subdomain: text() });

/**
 * "Check apps answer" (after DNS points at the new address): the resize is delivered only once the
 * website, CRM and webmail answer on the resized server. Sends the check once per execution (the command id
 * is kept on the infrastructure item, so the Task's Retry polls it instead of sending again), then
 * NotReadyError until it has finished; AppsNotAnsweringError if an app did not answer (the workflow puts the
 * previous type back).
 */
export const handler = workflowStep(Input, async ({ customerId, executionName, instanceId, subdomain }) => {
  const known = (await getInfrastructure(customerId))?.appsCheckCommand;
  if (known?.executionName !== executionName) {
    const commandId = await sendShellCommand(instanceId, `StackPro apps check ${executionName}`, appsCheckScript(subdomain), 300);
    await updateInfrastructure(customerId, { appsCheckCommand: { executionName, commandId } });
    throw new NotReadyError(`Checking the website, CRM and webmail (command ${commandId})`);
  }
  const status = await shellCommandOutcome(instanceId, known.commandId, 'The apps check');
  if (status !== 'Success') throw new AppsNotAnsweringError(`The website, CRM or webmail did not answer after the resize (check ended ${status})`);
  return { output: { commandId: known.commandId }, message: 'Website, CRM and webmail answer' };
});
