/** A request to the edge port, already routed to a service by its SigV4 scope. */
export interface EdgeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly region: string;
}

export interface EdgeResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body holds bytes, one per char (latin1), for the binary protocols (rpcv2Cbor); text otherwise. */
  readonly binary?: boolean;
}

/**
 * One emulated AWS service. Each implements its own wire protocol behind this one shape: awsJson (Step
 * Functions, Secrets Manager, SSM), ec2Query (EC2), restXml (Route 53), restJson (SESv2).
 */
export interface EdgeService {
  handle(request: EdgeRequest): Promise<EdgeResponse>;
}
