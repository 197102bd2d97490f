import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { logger, traceHandler } from '../../observability';
import { putConnection } from '../../repositories/live-connections';
import { identityFromAuthorizer } from './connection-identity';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & { requestContext: { authorizer?: unknown } };

/**
 * `$connect`, after the authorizer allowed it: records the connection under its customer so the fan-out
 * finds it. Anything but 200 makes API Gateway refuse the upgrade.
 */
export const handler = (event: ConnectEvent, context?: Context): Promise<APIGatewayProxyResult> =>
  traceHandler('connect-websocket', {}, async () => {
    const identity = identityFromAuthorizer(event.requestContext.authorizer);
    // Only reachable through a misconfigured route (no authorizer): refuse rather than record an orphan.
    if (!identity) {
      logger.error('$connect without an authorizer context');
      return { statusCode: 403, body: 'Forbidden' };
    }
    await putConnection(event.requestContext.connectionId, identity);
    return { statusCode: 200, body: 'Connected' };
  }, context);
