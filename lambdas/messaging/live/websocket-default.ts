import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { traceHandler } from '../../observability';

/**
 * `$default`: the socket is receive-only (staff act through the REST routes). Clients may still send a
 * frame (a keep-alive within API Gateway's 10-minute idle timeout): it is accepted and ignored, and its
 * content is never logged.
 */
export const handler = (_event: APIGatewayProxyWebsocketEventV2, context?: Context): Promise<APIGatewayProxyResult> =>
  traceHandler('websocket-default', {}, async () => ({ statusCode: 200, body: '' }), context);
