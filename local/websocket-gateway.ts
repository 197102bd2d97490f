import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { WEBSOCKET_HANDLERS } from '../lambdas/messaging/live/websocket-handlers';
import type { HandlerLoader } from './handler-loader';
import { readBody } from './http-body';
import { closeServer, listen, LOCAL_HOST } from './http-server';
import { createLambdaContext } from './lambda-context';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, LOCAL_WEBSOCKET_STAGE } from './local-env';
const API_ID = 'localws';
/** API Gateway's limit for one frame posted through @connections. */
const MAX_POST_BYTES = 128 * 1024;

export interface WebSocketGateway {
  /** `ws://127.0.0.1:<port>/live`: what staff and widget clients connect to (MESSAGING_WEBSOCKET_URL). */
  readonly url: string;
  /** `http://127.0.0.1:<port>/live`: the @connections endpoint (MESSAGING_CONNECTIONS_URL). */
  readonly connectionsUrl: string;
  close(): Promise<void>;
}

interface Connection {
  readonly socket: WebSocket;
  readonly authorizer: Record<string, unknown>;
  readonly connectedAt: Date;
  lastActiveAt: Date;
  readonly sourceIp: string;
  readonly userAgent: string;
}

/**
 * API Gateway's WebSocket API, offline: the `$connect` REQUEST authorizer (401 when it throws
 * 'Unauthorized', 403 on a Deny, before the upgrade), the `$connect`, `$disconnect` and `$default` Lambdas,
 * and the `@connections` management API (POST, GET, DELETE `/live/@connections/{id}`; SigV4 is not
 * checked). A connection that is gone answers 410 with `x-amzn-errortype: GoneException`, so the SDK raises
 * its real GoneException and the fan-out's clean-up runs.
 *
 * Sandbox control: `POST /_sandbox/websocket/connections/{id}/drop` closes a connection WITHOUT `$disconnect`
 * (API Gateway calls it on a best-effort basis), `GET /_sandbox/websocket/connections?customerId=` lists the
 * open connections in the order they connected, and `GET /_sandbox/websocket/gone` counts the posts answered
 * 410, per connection id.
 */
export async function startWebSocketGateway(port: number, loadHandler: HandlerLoader): Promise<WebSocketGateway> {
  const connections = new Map<string, Connection>();
  const gonePosts = new Map<string, number>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_POST_BYTES });
  const invoke = async (route: keyof typeof WEBSOCKET_HANDLERS, event: unknown) =>
    (await loadHandler(WEBSOCKET_HANDLERS[route].handler))(event, createLambdaContext({ functionName: WEBSOCKET_HANDLERS[route].id, timeoutMs: 10_000 }));
  const requestContext = (routeKey: string, eventType: string, connectionId: string, extra: Record<string, unknown> = {}) => ({
    routeKey,
    eventType,
    connectionId,
    stage: LOCAL_WEBSOCKET_STAGE,
    apiId: API_ID,
    domainName: `${LOCAL_HOST}:${port}`,
    requestId: randomBytes(8).toString('hex'),
    requestTimeEpoch: Date.now(),
    connectedAt: Date.now(),
    ...extra,
  });

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      console.error('[websocket] management request failed:', error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${LOCAL_HOST}`);
    const drop = /^\/_sandbox\/websocket\/connections\/([^/]+)\/drop$/.exec(url.pathname);
    if (drop && req.method === 'POST') {
      const connection = connections.get(decodeURIComponent(drop[1]));
      connections.delete(decodeURIComponent(drop[1]));
      connection?.socket.terminate();
      res.writeHead(connection ? 204 : 404).end();
      return;
    }
    if (url.pathname === '/_sandbox/websocket/connections' && req.method === 'GET') {
      const customerId = url.searchParams.get('customerId');
      const listed = [...connections].filter(([, connection]) => !customerId || connection.authorizer.customerId === customerId);
      json(res, 200, { connections: listed.map(([connectionId, connection]) => ({ connectionId, customerId: connection.authorizer.customerId, kind: connection.authorizer.kind, connectedAt: connection.connectedAt.toISOString() })) });
      return;
    }
    if (url.pathname === '/_sandbox/websocket/gone' && req.method === 'GET') {
      json(res, 200, { gone: Object.fromEntries(gonePosts) });
      return;
    }
    const match = new RegExp(`^/${LOCAL_WEBSOCKET_STAGE}/@connections/([^/]+)$`).exec(url.pathname);
    if (!match) {
      json(res, 404, { message: 'Not Found' });
      return;
    }
    const connectionId = decodeURIComponent(match[1]);
    const connection = connections.get(connectionId);
    if (!connection || connection.socket.readyState !== WebSocket.OPEN) {
      if (req.method === 'POST') gonePosts.set(connectionId, (gonePosts.get(connectionId) ?? 0) + 1);
      res.writeHead(410, { 'Content-Type': 'application/json', 'x-amzn-errortype': 'GoneException' }).end(JSON.stringify({ message: null }));
      return;
    }
    if (req.method === 'POST') {
      const body = await readBody(req, MAX_POST_BYTES);
      if (body.tooLarge) {
        res.writeHead(413, { 'Content-Type': 'application/json', 'x-amzn-errortype': 'PayloadTooLargeException' }).end(JSON.stringify({ message: 'Message too long' }));
        return;
      }
      connection.socket.send(body.body.toString('utf8'));
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'GET') {
      json(res, 200, {
        connectedAt: connection.connectedAt.toISOString(),
        lastActiveAt: connection.lastActiveAt.toISOString(),
        identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
      });
      return;
    }
    if (req.method === 'DELETE') {
      // API Gateway closes the connection and then runs $disconnect.
      connection.socket.close(1000);
      res.writeHead(204).end();
      return;
    }
    json(res, 403, { message: 'Forbidden' });
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch((error: unknown) => {
      console.error('[websocket] $connect failed:', error);
      refuse(socket, 500);
    });
  });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${LOCAL_HOST}`);
    if (url.pathname !== `/${LOCAL_WEBSOCKET_STAGE}` && url.pathname !== `/${LOCAL_WEBSOCKET_STAGE}/`) return refuse(socket, 404);
    const connectionId = randomBytes(12).toString('base64');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')]));
    const queryStringParameters = Object.fromEntries(url.searchParams);
    const context = requestContext('$connect', 'CONNECT', connectionId);
    let authorizer: Record<string, unknown>;
    try {
      const result = (await invoke('authorizer', {
        type: 'REQUEST',
        methodArn: `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${API_ID}/${LOCAL_WEBSOCKET_STAGE}/$connect`,
        headers,
        queryStringParameters,
        requestContext: context,
      })) as { principalId: string; policyDocument: { Statement: { Effect: string }[] }; context?: Record<string, unknown> };
      if (result.policyDocument.Statement.some((statement) => statement.Effect !== 'Allow')) return refuse(socket, 403);
      authorizer = { ...result.context, principalId: result.principalId };
    } catch (error) {
      // As API Gateway: the exact message 'Unauthorized' is 401; any other failure of the authorizer is 500.
      return refuse(socket, (error as Error).message === 'Unauthorized' ? 401 : 500);
    }
    const connected = (await invoke('connect', { requestContext: { ...context, authorizer }, headers, queryStringParameters, isBase64Encoded: false })) as { statusCode?: number };
    const status = connected?.statusCode ?? 200;
    if (status < 200 || status > 299) return refuse(socket, status);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const now = new Date();
      const connection: Connection = {
        socket: ws,
        authorizer,
        connectedAt: now,
        lastActiveAt: now,
        sourceIp: req.socket.remoteAddress ?? LOCAL_HOST,
        userAgent: headers['user-agent'] ?? '',
      };
      connections.set(connectionId, connection);
      ws.on('message', (data) => {
        connection.lastActiveAt = new Date();
        void Promise.resolve(
          invoke('default', { requestContext: { ...requestContext('$default', 'MESSAGE', connectionId), authorizer }, body: data.toString(), isBase64Encoded: false }),
        ).catch((error: unknown) => console.error('[websocket] $default failed:', error));
      });
      ws.on('close', () => {
        // A dropped connection (the sandbox control) was already removed: its $disconnect never comes.
        if (connections.get(connectionId) !== connection) return;
        connections.delete(connectionId);
        void Promise.resolve(invoke('disconnect', { requestContext: { ...requestContext('$disconnect', 'DISCONNECT', connectionId), authorizer }, isBase64Encoded: false })).catch(
          (error: unknown) => console.error('[websocket] $disconnect failed:', error),
        );
      });
    });
  }

  await listen(server, port, 'WEBSOCKET_PORT');
  const actualPort = (server.address() as { port: number }).port;
  return {
    url: `ws://${LOCAL_HOST}:${actualPort}/${LOCAL_WEBSOCKET_STAGE}`,
    connectionsUrl: `http://${LOCAL_HOST}:${actualPort}/${LOCAL_WEBSOCKET_STAGE}`,
    close: async () => {
      for (const connection of connections.values()) connection.socket.terminate();
      connections.clear();
      wss.close();
      await closeServer(server);
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Refuses the upgrade with a plain HTTP status, as API Gateway answers a refused $connect. */
function refuse(socket: Duplex, status: number): void {
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${JSON.stringify({ message: reason }).length}\r\n\r\n${JSON.stringify({ message: reason })}`);
}
