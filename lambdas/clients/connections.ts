import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { config } from '../config';
import { tracer } from '../observability';

/**
 * API Gateway's `@connections` API of the messaging WebSocket stage: created once per Lambda container,
 * traced in X-Ray. Its endpoint is the stage's management URL (MESSAGING_CONNECTIONS_URL, set by CDK from
 * the API id; the local stack points it at its own emulation).
 */
export const connections = tracer.captureAWSv3Client(new ApiGatewayManagementApiClient({ endpoint: config.messagingConnectionsUrl() }));
