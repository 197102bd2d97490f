import { tracer } from '../../../lambdas/observability';

type Segment = NonNullable<ReturnType<typeof tracer.getSegment>>;

/** A stand-in for an X-Ray (sub)segment: records what the code under test did to it, and sends nothing. */
export class FakeSegment {
  readonly subsegments: FakeSegment[] = [];
  readonly annotations: Record<string, unknown> = {};
  readonly errors: unknown[] = [];
  closed = false;

  constructor(readonly name: string) {}

  addNewSubsegment(name: string): FakeSegment {
    const subsegment = new FakeSegment(name);
    this.subsegments.push(subsegment);
    return subsegment;
  }

  addError(error: unknown): void {
    this.errors.push(error);
  }

  addErrorFlag(): void {
    this.errors.push('flag');
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * Turns the shared tracer on for one test, with a fake Lambda segment in place of the X-Ray SDK's context:
 * annotations land on whichever (sub)segment is current, as they would in Lambda. Restore with
 * `jest.restoreAllMocks()`.
 */
export function traceInFakeLambda(): { lambda: FakeSegment; current: () => FakeSegment; putMetadata: jest.SpyInstance } {
  const lambda = new FakeSegment('facade');
  let current = lambda;
  jest.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
  jest.spyOn(tracer, 'getSegment').mockImplementation(() => current as unknown as Segment);
  jest.spyOn(tracer, 'setSegment').mockImplementation((segment) => {
    current = segment as unknown as FakeSegment;
  });
  jest.spyOn(tracer, 'putAnnotation').mockImplementation((key, value) => {
    current.annotations[key] = value;
  });
  const putMetadata = jest.spyOn(tracer, 'putMetadata').mockImplementation(() => undefined);
  return { lambda, current: () => current, putMetadata };
}
