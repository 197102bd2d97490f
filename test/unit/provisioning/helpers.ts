import type * as ProvisioningLog from '../../../lambdas/repositories/provisioning-log';

/**
 * The provisioning-log repository's recordStep, for step tests that mock the repository (how the step is
 * stored is test/unit/repositories/provisioning-log.test.ts's). In the test file:
 * `jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }))`.
 */
export const recordStep = jest.fn<ReturnType<typeof ProvisioningLog.recordStep>, Parameters<typeof ProvisioningLog.recordStep>>();

/** Forgets the recorded steps; recording succeeds. */
export function resetRecordedSteps(): void {
  recordStep.mockReset().mockResolvedValue(undefined);
}

/** The steps recorded through the repository: [step name, status, message]. */
export function recordedSteps(): [string, string, string | undefined][] {
  return recordStep.mock.calls.map(([, , name, status, message]) => [name, status, message]);
}

export const ctx = { customerId: 'cust-1', executionName: 'acme-cust-1' };

/**
 * A step handler as the Task of state `stateName` invokes it: statemachines/definition-loader.ts adds the
 * state's name to every Task's Payload, and the step kit logs progress under it (it knows no other name).
 */
export function asTask<O>(stateName: string, handler: (event: unknown) => Promise<O>): (input: object) => Promise<O> {
  return (input) => handler({ ...input, stepName: stateName });
}

/** An AWS SDK service error as the SDK raises it (the name is what handlers and the ASL match). */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} });
}
