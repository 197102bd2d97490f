import { ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { stepFunctions } from '../clients/step-functions';
import { config } from '../config';
import { NotFoundError, ServiceUnavailableError } from '../core/errors';
import { countResults, fleetExecutionName, fleetUpdateId, type FleetTarget, type FleetUpdate, type FleetUpdateCustomer } from '../core/fleet-updates';
import { logger } from '../observability';
import { createFleetUpdate, getFleetUpdate, listFleetUpdateCustomers, setFleetUpdate } from '../repositories/fleet-updates';

export interface FleetUpdateRequestInput {
  readonly version: string;
  readonly target: FleetTarget;
  readonly maxConcurrent: number;
  readonly maxFailures: number;
  readonly attempt?: number;
}

export type FleetUpdateView = Omit<FleetUpdate, 'requestedBy' | 'total' | 'updated' | 'failed' | 'skipped'> & {
  readonly progress: ReturnType<typeof countResults> & { readonly total?: number };
  readonly customers: readonly Omit<FleetUpdateCustomer, 'instanceId' | 'commandId' | 'rollbackCommandId'>[];
  readonly created?: boolean;
};

/**
 * Starts a fleet update, once per request: the id is a hash of the request, the record is written only if
 * new, and the execution is named after it, so 50 identical requests at once store one record and start
 * one execution (the others find it running). If the start fails, the record says so and the next
 * identical request tries again.
 */
export async function startFleetUpdate(input: FleetUpdateRequestInput, operator: string): Promise<FleetUpdateView> {
  const request = { ...input, attempt: input.attempt ?? 1 };
  const updateId = fleetUpdateId(request);
  const executionName = fleetExecutionName(updateId, request.version);
  const target = 'customerIds' in request.target ? { customerIds: [...new Set(request.target.customerIds)].sort() } : request.target;
  const { created, update } = await createFleetUpdate({
    updateId,
    version: request.version,
    target,
    maxConcurrent: request.maxConcurrent,
    maxFailures: request.maxFailures,
    attempt: request.attempt,
    status: 'running',
    executionName,
    requestedBy: operator,
    requestedAt: new Date().toISOString(),
  });
  if (created || update.status === 'failed') await startExecution(update);
  logger.info('Fleet update requested', { updateId, version: request.version, created, operator });
  return { ...(await viewOf(updateId)), created };
}

async function startExecution(update: FleetUpdate): Promise<void> {
  const input = { updateId: update.updateId, version: update.version, maxConcurrent: update.maxConcurrent, maxFailures: update.maxFailures };
  try {
    await stepFunctions.send(new StartExecutionCommand({ stateMachineArn: config.fleetUpdateStateMachineArn(), name: update.executionName, input: JSON.stringify(input) }));
    if (update.status === 'failed') await setFleetUpdate(update.updateId, { status: 'running' });
  } catch (error) {
    // Same name, same input: another request of the burst started it first. Anything else: 503, retry.
    if (error instanceof ExecutionAlreadyExists) return;
    logger.error('Fleet update could not start', { updateId: update.updateId, errorName: (error as Error).name });
    await setFleetUpdate(update.updateId, { status: 'failed', failureReason: 'The workflow could not be started; send the same request again.' }).catch(() => undefined);
    throw new ServiceUnavailableError();
  }
}

/** The update and its report, as GET /admin/fleet-updates/{id} answers it. */
export async function viewOf(updateId: string): Promise<FleetUpdateView> {
  const update = await getFleetUpdate(updateId);
  if (!update) throw new NotFoundError('fleet update');
  const lines = await listFleetUpdateCustomers(updateId);
  const { requestedBy: _by, total, updated: _u, failed: _f, skipped: _s, ...rest } = update;
  return {
    ...rest,
    progress: { ...(total === undefined ? {} : { total }), ...countResults(lines) },
    customers: lines.map(({ instanceId: _i, commandId: _c, rollbackCommandId: _r, ...line }) => line),
  };
}
