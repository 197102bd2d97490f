import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDefinition } from '../../../statemachines/definition-loader';
import { DEPROVISION_CUSTOMER, RESUME_CUSTOMER, SUSPEND_CUSTOMER, WORKFLOWS, type WorkflowDefinition } from '../../../statemachines/workflows';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const LIFECYCLE = [SUSPEND_CUSTOMER, RESUME_CUSTOMER, DEPROVISION_CUSTOMER];

interface State {
  Type: string;
  TimeoutSeconds?: number;
  Retry?: unknown[];
  Catch?: { Next: string }[];
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  Parameters?: { FunctionName?: string };
}
/** As deployed: through the one loader, which adds the standard Retry to every Lambda Task. */
const definition = (workflow: WorkflowDefinition) => loadDefinition(workflow) as unknown as { StartAt: string; TimeoutSeconds?: number; States: Record<string, State> };

describe('lifecycle workflows in the registry', () => {
  it('are registered under their stable ids', () => {
    expect(WORKFLOWS.map((w) => w.id)).toEqual(expect.arrayContaining(['ProvisionCustomer', 'SuspendCustomer', 'ResumeCustomer', 'DeprovisionCustomer']));
  });

  it('give a step id the same handler and access in every workflow (CDK may share or duplicate it)', () => {
    const byId = new Map<string, string>();
    for (const workflow of WORKFLOWS) {
      for (const [key, step] of Object.entries(workflow.steps)) {
        expect(key).toBe(`${step.id}FunctionArn`);
        const seen = JSON.stringify({ handler: step.handler, access: [...step.access].sort() });
        expect(byId.get(step.id) ?? seen).toBe(seen);
        byId.set(step.id, seen);
      }
    }
  });

  it.each(LIFECYCLE.map((w) => [w.id, w] as const))('%s: every ${...} in the ASL is a registered step and every step is used', (_id, workflow) => {
    const text = readFileSync(path.join(ROOT, 'statemachines', workflow.file), 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual(Object.keys(workflow.steps).sort());
    for (const step of Object.values(workflow.steps)) expect(existsSync(path.join(ROOT, 'lambdas', `${step.handler}.ts`))).toBe(true);
  });

  it.each(LIFECYCLE.map((w) => [w.id, w] as const))('%s: bounded execution, every Task with a timeout and retries, every transition to a real state', (_id, workflow) => {
    const asl = definition(workflow);
    expect(asl.TimeoutSeconds).toBeGreaterThan(0);
    expect(asl.States[asl.StartAt]).toBeDefined();
    for (const [name, state] of Object.entries(asl.States)) {
      if (state.Type === 'Task') {
        expect({ name, timeout: state.TimeoutSeconds }).toEqual({ name, timeout: expect.any(Number) });
        expect(state.Retry?.length).toBeGreaterThan(0);
      }
      const targets = [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter(Boolean);
      for (const target of targets) expect(Object.keys(asl.States)).toContain(target);
    }
  });

  it('ends each failure in a named Fail state', () => {
    const fails = (w: WorkflowDefinition) => Object.entries(definition(w).States).filter(([, s]) => s.Type === 'Fail').map(([name]) => name);
    expect(fails(SUSPEND_CUSTOMER)).toEqual(expect.arrayContaining(['Suspension failed', 'Superseded by a newer lifecycle workflow', 'Customer no longer exists']));
    expect(fails(RESUME_CUSTOMER)).toEqual(expect.arrayContaining(['Resume failed', 'Superseded by a newer lifecycle workflow']));
    expect(fails(DEPROVISION_CUSTOMER)).toEqual(expect.arrayContaining(['Deprovisioning failed', 'Invalid retention period']));
  });

  it('waits the retention period from the input before re-checking billing', () => {
    const asl = definition(DEPROVISION_CUSTOMER);
    expect(asl.States['Wait out the retention period']).toMatchObject({ Type: 'Wait', SecondsPath: '$.retentionSeconds', Next: 'Still cancelled?' });
    // 30 days of retention fit in the execution's own timeout.
    expect(asl.TimeoutSeconds).toBeGreaterThan(30 * 24 * 3600);
  });
});
