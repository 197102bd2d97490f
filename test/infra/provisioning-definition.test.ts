import { readDefinition, taskTimeouts } from '../../lib/provisioning-workflow';
import { PROVISION_CUSTOMER, WORKFLOWS } from '../../statemachines/workflows';

describe('readDefinition', () => {
  it.each(WORKFLOWS.map((workflow) => [workflow.id, workflow]))(
    '%s: its ASL placeholders are exactly its step keys',
    (_id, workflow) => {
      expect(() => readDefinition(workflow)).not.toThrow();
    },
  );

  it('fails the synth when a step has no placeholder', () => {
    const extra = {
      ...PROVISION_CUSTOMER,
      steps: { ...PROVISION_CUSTOMER.steps, SomethingElseArn: Object.values(PROVISION_CUSTOMER.steps)[0]! },
    };
    expect(() => readDefinition(extra)).toThrow(/steps without a placeholder \[SomethingElseArn\]/);
  });

  it('fails the synth when a placeholder has no step', () => {
    expect(() => readDefinition({ ...PROVISION_CUSTOMER, steps: {} })).toThrow(/placeholders without a step \[\w+/);
  });
});

describe('taskTimeouts', () => {
  it('finds every step Task, including those inside Parallel branches, with its TimeoutSeconds', () => {
    const timeouts = taskTimeouts(PROVISION_CUSTOMER);
    expect([...timeouts.keys()].sort()).toEqual(Object.keys(PROVISION_CUSTOMER.steps).sort());
    expect(timeouts.get('LaunchInstanceFunctionArn')).toBe(60);
    expect(timeouts.get('CheckInstanceFunctionArn')).toBe(30);
  });
});
