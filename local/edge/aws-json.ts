import type { EdgeRequest, EdgeResponse, EdgeService } from './edge-service';

/** A modelled AWS error: the SDK turns `code` into the exception class of that name. */
export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export type JsonOperation = (input: Record<string, unknown>) => Promise<object> | object;

export interface AwsJsonServiceDefinition {
  /** `X-Amz-Target` prefix before the dot: `AWSStepFunctions`, `secretsmanager`. */
  readonly targetPrefix: string;
  /** awsJson1_0 or awsJson1_1: only the content type differs on the wire. */
  readonly jsonVersion: '1.0' | '1.1';
  readonly operations: Readonly<Record<string, JsonOperation>>;
  /** Runs before each known operation (the sandbox's fault injection throws from here). */
  readonly beforeOperation?: (operation: string) => void;
}

/**
 * The awsJson protocols (Step Functions, Secrets Manager, SSM, DynamoDB...): POST /, the operation in
 * `X-Amz-Target: <prefix>.<Operation>`, a JSON body both ways, errors as `{"__type", "message"}`.
 * Timestamps must go out as epoch seconds (numbers): the SDK rejects ISO strings here.
 */
export function awsJsonService(definition: AwsJsonServiceDefinition): EdgeService {
  const contentType = `application/x-amz-json-${definition.jsonVersion}`;
  return {
    async handle(request: EdgeRequest): Promise<EdgeResponse> {
      try {
        const operation = resolveOperation(definition, request.headers['x-amz-target']);
        definition.beforeOperation?.(String(request.headers['x-amz-target']).split('.')[1]);
        const output = await operation(parseJsonBody(request.body));
        return jsonResponse(200, contentType, output);
      } catch (error) {
        if (error instanceof AwsServiceError) {
          return jsonResponse(error.statusCode, contentType, { __type: error.code, message: error.message });
        }
        // A bug in the emulator, not a modelled error: say so loudly, and answer as AWS would.
        console.error(`[edge] ${request.headers['x-amz-target']} failed:`, error);
        return jsonResponse(500, contentType, { __type: 'InternalFailure', message: String(error) });
      }
    },
  };
}

function resolveOperation(definition: AwsJsonServiceDefinition, target: string | undefined): JsonOperation {
  const [prefix, name] = (target ?? '').split('.');
  const known = prefix === definition.targetPrefix && Object.hasOwn(definition.operations, name);
  const operation = known ? definition.operations[name] : undefined;
  if (!operation) {
    throw new AwsServiceError('UnknownOperationException', `The local sandbox does not emulate ${target ?? '(no X-Amz-Target)'}`);
  }
  return operation;
}

function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new AwsServiceError('SerializationException', 'The request body is not a JSON object');
}

export function jsonResponse(statusCode: number, contentType: string, body: unknown): EdgeResponse {
  return { statusCode, headers: { 'content-type': contentType }, body: JSON.stringify(body) };
}

/** SDK JSON protocols read timestamps as epoch seconds. */
export function epochSeconds(epochMs: number): number {
  return epochMs / 1000;
}

/** Reads an optional string member, failing like AWS when it has another type. */
export function optionalString(input: Record<string, unknown>, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsServiceError('ValidationException', `${member} must be a string`);
  return value;
}

export function requiredString(input: Record<string, unknown>, member: string): string {
  const value = optionalString(input, member);
  if (value === undefined || value === '') {
    throw new AwsServiceError('ValidationException', `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}
