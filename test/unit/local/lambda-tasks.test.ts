import type { WorkflowStep } from '../../../statemachines/workflows';
import type { LambdaHandler } from '../../../local/handler-loader';
import { createTaskOverrides } from '../../../local/step-functions/lambda-tasks';

const step: WorkflowStep = { id: 'RecordStarted', handler: 'provisioning/record-started', access: [] };
const stepArn = 'arn:aws:lambda:us-east-1:000000000000:function:RecordStarted';

function overridesWith(handler: LambdaHandler) {
  const loadHandler = jest.fn(async () => handler);
  const tasks = [
    { name: 'Invoke', state: { Type: 'Task' as const, Resource: 'arn:aws:states:::lambda:invoke', TimeoutSeconds: 5 } },
    { name: 'Direct', state: { Type: 'Task' as const, Resource: stepArn } },
  ];
  return { overrides: createTaskOverrides(tasks, { stepsByFunctionName: new Map([[step.id, step]]), loadHandler }), loadHandler };
}

class CustomerNotFoundError extends Error {
  override name = 'CustomerNotFoundError';
}

describe('createTaskOverrides', () => {
  it('calls the step handler with the Payload and answers like Lambda Invoke', async () => {
    const handler = jest.fn(async (event: unknown) => ({ seen: event, at: new Date(0) }));
    const { overrides, loadHandler } = overridesWith(handler);

    const result = await overrides.Invoke({ FunctionName: stepArn, Payload: { customerId: 'cus_1' } });

    expect(loadHandler).toHaveBeenCalledWith('provisioning/record-started');
    expect(handler).toHaveBeenCalledWith({ customerId: 'cus_1' }, expect.objectContaining({ functionName: 'RecordStarted' }));
    expect(result).toEqual({
      StatusCode: 200,
      ExecutedVersion: '$LATEST',
      Payload: { seen: { customerId: 'cus_1' }, at: '1970-01-01T00:00:00.000Z' },
    });
  });

  it('passes the input straight through for a bare function ARN resource', async () => {
    const { overrides } = overridesWith(async (event) => ({ echoed: event }));

    expect(await overrides.Direct({ a: 1 })).toEqual({ echoed: { a: 1 } });
  });

  it('rethrows a handler error under its name, with the Lambda error JSON as the message', async () => {
    const { overrides } = overridesWith(async () => {
      throw new CustomerNotFoundError('no customer cus_1');
    });

    const failure = overrides.Invoke({ FunctionName: stepArn, Payload: {} });

    await expect(failure).rejects.toMatchObject({
      name: 'CustomerNotFoundError',
      message: JSON.stringify({ errorType: 'CustomerNotFoundError', errorMessage: 'no customer cus_1' }),
    });
  });

  it('fails like Lambda for a function the workflow does not know', async () => {
    const { overrides } = overridesWith(async () => null);

    const failure = overrides.Invoke({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:Nope' });

    await expect(failure).rejects.toMatchObject({ name: 'Lambda.ResourceNotFoundException' });
  });

  it('refuses, at creation, a Task for a service the local stack does not emulate', () => {
    const tasks = [{ name: 'Put', state: { Type: 'Task' as const, Resource: 'arn:aws:states:::dynamodb:putItem' } }];

    expect(() => createTaskOverrides(tasks, { stepsByFunctionName: new Map(), loadHandler: jest.fn() })).toThrow('dynamodb:putItem');
  });
});
