import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { traceHandler } from '../../observability';
import { deleteConnection } from '../../repositories/live-connections';
import { identityFromAuthorizer } from './connection-identity';

type DisconnectEvent = APIGatewayProxyWebsocketEventV2 & { requestContext: { authorizer?: unknown } };

/**
 * `$disconnect` (best effort: API Gateway may not call it, hence the record's TTL and the fan-out's 410
 * clean-up): forgets the connection.
 */
export const handler = (event: DisconnectEvent, context?: Context): Promise<APIGatewayProxyResult> =>
  traceHandler('disconnect-websocket', {}, async () => {
    const identity = identityFromAuthorizer(event.requestContext.authorizer);
    if (identity) await deleteConnection(identity.customerId, event.requestContext.connectionId);
    return { statusCode: 200, body: 'Disconnected' };
  }, context);
