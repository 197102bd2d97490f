import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { mockClient } from 'aws-sdk-client-mock';
import { tracer } from '../../../lambdas/observability';
import { FleetStepContext, StepContext, fleetWideStep, workflowStep } from '../../../lambdas/workflows/step-kit';
import { traceInFakeLambda } from '../helpers/trace';
import { awsError, ctx, recordStep, recordedSteps, resetRecordedSteps } from '../provisioning/helpers';

// How a step is stored is the provisioning-log repository's (test/unit/repositories/provisioning-log.test.ts).
jest.mock('../../../lambdas/repositories/provisioning-log', () => ({ recordStep: (...args: Parameters<typeof recordStep>) => recordStep(...args) }));
const inState = { ...ctx, stepName: 'Launch instance' };
const Input = z.extend(StepContext, { email: z.optional(z.string()) });
const succeeding = workflowStep(Input, async () => ({ output: { instanceId: 'i-1' } }));
const failing = workflowStep(Input, async () => {
  throw new Error('capacity');
});

beforeEach(() => {
  resetRecordedSteps();
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('step kit tracing', () => {
  it('runs each step in a subsegment named for its state, annotated with ids only (never PII)', async () => {
    const trace = traceInFakeLambda();
    let recordedIn: unknown;
    recordStep.mockImplementation(async () => void (recordedIn = trace.current()));

    const output = await succeeding({ ...ctx, stepName: 'Launch the instance', workflowId: 'ProvisionCustomer', email: 'ada@example.com' });

    expect(output).toEqual({ instanceId: 'i-1' });
    expect(trace.lambda.subsegments.map((s) => s.name)).toEqual(['## Launch the instance']);
    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.annotations).toEqual({
      ColdStart: expect.any(Boolean),
      Service: 'stackpro',
      customerId: 'cust-1',
      executionName: 'acme-cust-1',
      step: 'Launch the instance',
    });
    expect(subsegment.closed).toBe(true);
    expect(trace.current()).toBe(trace.lambda);
    // The step's own work (its progress write) still happens inside the subsegment.
    expect(recordedSteps()).toEqual([['Launch the instance', 'succeeded', undefined]]);
    expect(recordStep).toHaveBeenCalledWith('cust-1', 'acme-cust-1', 'Launch the instance', 'succeeded', undefined, expect.any(Date), 'ProvisionCustomer');
    expect(recordedIn).toBe(subsegment);
  });

  it('refuses input without its state name, and logs no progress under any other name', async () => {
    const trace = traceInFakeLambda();

    await expect(succeeding(ctx)).rejects.toMatchObject({ name: 'ZodError', message: expect.stringContaining('stepName') });

    expect(trace.lambda.subsegments[0].name).toBe('## Malformed step input');
    expect(recordStep).not.toHaveBeenCalled();
  });

  it('records a failed step on its subsegment, closes it and rethrows', async () => {
    const trace = traceInFakeLambda();

    await expect(failing(inState)).rejects.toThrow('capacity');

    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.errors).toEqual([expect.objectContaining({ message: 'capacity' })]);
    expect(subsegment.closed).toBe(true);
    expect(trace.current()).toBe(trace.lambda);
  });

  it('traces malformed input too, with only the annotations it can trust', async () => {
    const trace = traceInFakeLambda();

    await expect(succeeding({ executionName: 'acme-cust-1', stepName: 'Launch instance' })).rejects.toThrow();

    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.annotations).toEqual({ ColdStart: expect.any(Boolean), Service: 'stackpro', step: 'Malformed step input' });
    expect(subsegment.errors).toHaveLength(1);
    expect(subsegment.closed).toBe(true);
  });

  it('does nothing to traces when tracing is off (outside Lambda: tests, the local stack)', async () => {
    const getSegment = jest.spyOn(tracer, 'getSegment');

    await succeeding(inState);

    expect(tracer.isTracingEnabled()).toBe(false);
    expect(getSegment).not.toHaveBeenCalled();
  });
});

describe('fleet-wide steps (no customer: the fleet update\'s selection and end)', () => {
  const fleetInput = { updateId: 'fu-0123456789abcdef01234567', executionName: 'fleet-x', stepName: 'Select customers', workflowId: 'FleetUpdate' };
  const fleetStep = (run: () => Promise<unknown>) => fleetWideStep(z.extend(FleetStepContext, { error: z.optional(z.string()) }), run);

  it('runs in a subsegment named for its state, annotated with the execution only, and writes no customer step log', async () => {
    const trace = traceInFakeLambda();

    await expect(fleetStep(async () => ({ total: 2 }))(fleetInput)).resolves.toEqual({ total: 2 });

    const [subsegment] = trace.lambda.subsegments;
    expect(subsegment.name).toBe('## Select customers');
    expect(subsegment.annotations).toEqual({ ColdStart: expect.any(Boolean), Service: 'stackpro', executionName: 'fleet-x', step: 'Select customers' });
    expect(recordStep).not.toHaveBeenCalled();
  });

  it('rethrows a retryable failure as TransientError and lets a typed error through by name', async () => {
    await expect(fleetStep(async () => Promise.reject(awsError('ThrottlingException')))(fleetInput)).rejects.toMatchObject({ name: 'TransientError' });
    const typed = Object.assign(new Error('too many'), { name: 'TooManyTargetsError' });
    await expect(fleetStep(async () => Promise.reject(typed))(fleetInput)).rejects.toBe(typed);
  });

  it('refuses input without an update id of the right form or without its state name (ZodError, nothing run)', async () => {
    const run = jest.fn(async () => ({}));
    await expect(fleetStep(run)({ ...fleetInput, updateId: 'fu-../../x' })).rejects.toMatchObject({ name: 'ZodError', message: expect.stringContaining('updateId') });
    await expect(fleetStep(run)({ updateId: fleetInput.updateId, executionName: 'fleet-x' })).rejects.toMatchObject({ name: 'ZodError', message: expect.stringContaining('stepName') });
    expect(run).not.toHaveBeenCalled();
  });
});

describe('captured SDK clients', () => {
  it('still answer from aws-sdk-client-mock when tracing is on', async () => {
    jest.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    const client = tracer.captureAWSv3Client(new DynamoDBClient({}));
    const mock = mockClient(DynamoDBClient);
    mock.on(GetItemCommand).resolves({ Item: { pk: { S: 'CUSTOMER#cust-1' } } });

    const result = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'CUSTOMER#cust-1' } } }));

    expect(result.Item).toEqual({ pk: { S: 'CUSTOMER#cust-1' } });
    expect(client.middlewareStack.identify().some((name) => /xray|XRay/i.test(name))).toBe(true);
    mock.restore();
  });
});
