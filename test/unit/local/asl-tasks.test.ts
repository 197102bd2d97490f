import { findTaskStates, functionNameOf, substitute, taskIntegration } from '../../../local/step-functions/asl-tasks';

describe('substitute', () => {
  it('replaces every ${Key} in string values, nested anywhere', () => {
    const definition = {
      States: { A: { Parameters: { FunctionName: '${StepArn}', Tags: ['${StepArn}', 'x-${Stage}'] } } },
    };

    expect(substitute(definition, { StepArn: 'arn:aws:lambda:us-east-1:000000000000:function:Step', Stage: 'local' })).toEqual({
      States: {
        A: {
          Parameters: {
            FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:Step',
            Tags: ['arn:aws:lambda:us-east-1:000000000000:function:Step', 'x-local'],
          },
        },
      },
    });
  });

  it('fails, naming them, when placeholders have no value', () => {
    expect(() => substitute({ a: '${Missing}', b: ['${AlsoMissing}'] }, {})).toThrow('${Missing}, ${AlsoMissing}');
  });

  it('leaves JSONPath and intrinsic syntax alone', () => {
    const definition = { 'name.$': "States.Format('{}-x', $.id)", path: '$$.Execution.Name' };

    expect(substitute(definition, {})).toEqual(definition);
  });
});

describe('findTaskStates', () => {
  it('finds Tasks at the top level, in Parallel branches and in Map processors', () => {
    const task = (resource: string) => ({ Type: 'Task', Resource: resource, End: true });
    const definition = {
      StartAt: 'First',
      States: {
        First: task('arn:aws:states:::lambda:invoke'),
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Left', States: { Left: task('arn:aws:states:::lambda:invoke') } },
            { StartAt: 'Right', States: { Right: task('arn:aws:states:::lambda:invoke') } },
          ],
        },
        Each: { Type: 'Map', ItemProcessor: { StartAt: 'Item', States: { Item: task('arn:aws:states:::lambda:invoke') } } },
        Legacy: { Type: 'Map', Iterator: { StartAt: 'Old', States: { Old: task('arn:aws:states:::lambda:invoke') } } },
        Done: { Type: 'Succeed' },
      },
    };

    expect(findTaskStates(definition).map((found) => found.name)).toEqual(['First', 'Left', 'Right', 'Item', 'Old']);
  });

  it('refuses a Task name used twice, since overrides are keyed by name', () => {
    const definition = {
      States: {
        A: { Type: 'Parallel', Branches: [{ States: { Same: { Type: 'Task', Resource: 'r' } } }, { States: { Same: { Type: 'Task', Resource: 'r' } } }] },
      },
    };

    expect(() => findTaskStates(definition)).toThrow('"Same"');
  });
});

describe('taskIntegration and functionNameOf', () => {
  it('tells the optimised integration from a bare function ARN and from other services', () => {
    expect(taskIntegration('arn:aws:states:::lambda:invoke')).toEqual({ kind: 'lambda-invoke' });
    expect(taskIntegration('arn:aws:lambda:us-east-1:000000000000:function:Step:live')).toEqual({ kind: 'lambda-function', functionName: 'Step' });
    expect(taskIntegration('arn:aws:states:::dynamodb:putItem')).toEqual({ kind: 'unsupported' });
  });

  it.each([
    ['Step', 'Step'],
    ['Step:$LATEST', 'Step'],
    ['000000000000:function:Step', 'Step'],
    ['arn:aws:lambda:us-east-1:000000000000:function:Step', 'Step'],
    ['arn:aws:lambda:us-east-1:000000000000:function:Step:prod', 'Step'],
  ])('%s names function %s', (input, expected) => {
    expect(functionNameOf(input)).toBe(expected);
  });
});
