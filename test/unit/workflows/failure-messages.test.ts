import * as lifecycleErrors from '../../../lambdas/lifecycle/errors';
import { logger } from '../../../lambdas/observability';
import * as provisioningErrors from '../../../lambdas/provisioning/errors';
import * as restoreErrors from '../../../lambdas/restore/errors';
import * as workflowErrors from '../../../lambdas/workflows/errors';
import * as resizeErrors from '../../../lambdas/resize/errors';
import * as fleetErrors from '../../../lambdas/fleet/errors';
import { KNOWN_ERROR_CODES, OUR_ERRORS, describeError, describeFailure, failureMessage } from '../../../lambdas/workflows/failure-messages';

const context = { customerId: 'cust-1', executionName: 'acme-cust-1', step: 'Launch instance' };
const RAW = 'User: arn:aws:sts::123456789012:assumed-role/StackPro-LaunchInstance/abc is not authorized';
const INTERNAL = /^an internal error \(reference ([0-9a-f]{10})\)$/;

let logged: jest.SpyInstance;
beforeEach(() => {
  logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
});
afterEach(() => logged.mockRestore());

describe('failure messages', () => {
  it('keeps the message of every error class we throw ourselves (and only those)', () => {
    const classes: (new (message: string) => Error)[] = [...Object.values(provisioningErrors), ...Object.values(lifecycleErrors), ...Object.values(workflowErrors), ...Object.values(resizeErrors), ...Object.values(restoreErrors), ...Object.values(fleetErrors)];
    const ours = classes.map((ErrorClass) => new ErrorClass('m').name);
    expect([...new Set(ours)].sort()).toEqual([...OUR_ERRORS].sort());
    for (const name of OUR_ERRORS) expect(failureMessage(name, 'Instance i-1 is terminated', context)).toBe('Instance i-1 is terminated');
    expect(logged).not.toHaveBeenCalled();
  });

  it('turns a known AWS code into its short sentence, whatever the raw message says', () => {
    const message = describeError(Object.assign(new Error(RAW), { name: 'UnauthorizedOperation' }), context);
    expect(message).toBe(KNOWN_ERROR_CODES.UnauthorizedOperation);
    expect(message).not.toMatch(/arn:|123456789012/);
  });

  it('names no resource in any known sentence', () => {
    for (const sentence of Object.values(KNOWN_ERROR_CODES)) {
      expect(sentence).toMatch(/^[A-Z][^:]*\.$/);
      expect(sentence).not.toMatch(/arn:|\d{12}|i-[0-9a-f]/);
    }
  });

  it('hides anything else behind a reference and logs the raw error under it', () => {
    const message = describeError(new TypeError(`Cannot read properties of undefined (${RAW})`), context);
    const reference = INTERNAL.exec(message)?.[1];
    expect(reference).toBeDefined();
    expect(logged).toHaveBeenCalledWith(
      'Failure hidden from the customer',
      expect.objectContaining({ ...context, reference, errorName: 'TypeError', errorMessage: expect.stringContaining('123456789012') }),
    );
  });

  it('gives the step that threw and the rollback that reports it the same reference', () => {
    const error = Object.assign(new Error(RAW), { name: 'SomethingNew' });
    const thrown = describeError(error, context);
    const caught = describeFailure({ Error: 'SomethingNew', Cause: JSON.stringify({ errorType: 'SomethingNew', errorMessage: RAW, trace: [] }) }, context);
    expect(caught).toBe(thrown);
    expect(describeError(error, { ...context, executionName: 'other' })).not.toBe(thrown);
  });

  it('reads Step Functions causes: Lambda JSON, plain text and none', () => {
    const cause = JSON.stringify({ errorType: 'DeploymentFailedError', errorMessage: 'Deployment command cmd-1 ended Failed' });
    expect(describeFailure({ Error: 'DeploymentFailedError', Cause: cause })).toBe('Deployment command cmd-1 ended Failed');
    expect(describeFailure({ Error: 'States.Timeout', Cause: 'Task timed out after 30 seconds' })).toBe(KNOWN_ERROR_CODES['States.Timeout']);
    expect(describeFailure({ Error: 'States.Runtime', Cause: `An error occurred while executing the state 'X' (${RAW})` })).toMatch(INTERNAL);
    expect(describeFailure({ Error: 'NotReadyError' })).toBe('NotReadyError');
  });

  it('survives a thrown non-error and a cause that is not JSON', () => {
    expect(describeError('a string', context)).toMatch(INTERNAL);
    expect(describeFailure({ Error: 'Weird', Cause: '{not json' })).toMatch(INTERNAL);
  });
});
