import { StateMachine } from 'aws-local-stepfunctions';
import { validatedStateMachine } from '../../../local/step-functions/validated-state-machine';

/** The validation memo skips only what passed before: an invalid definition is refused every time. */
const valid = (result: string) => ({ StartAt: 'Done', States: { Done: { Type: 'Pass' as const, Result: result, End: true as const } } });

describe('validatedStateMachine', () => {
  it('runs a definition that passed, validated once or remembered', async () => {
    const definition = valid('ok');
    const first = validatedStateMachine(definition);
    const again = validatedStateMachine(definition);
    expect(first).toBeInstanceOf(StateMachine);
    expect(await again.run({}).result).toBe(definition.States.Done.Result);
  });

  it('refuses an invalid definition every time, as StateMachine does', () => {
    const invalid = { StartAt: 'Missing', States: { Done: { Type: 'Pass', End: true } } };
    expect(() => new StateMachine(invalid as never)).toThrow('State machine definition is invalid');
    expect(() => validatedStateMachine(invalid as never)).toThrow('State machine definition is invalid');
    expect(() => validatedStateMachine(invalid as never)).toThrow('State machine definition is invalid');
  });
});
