/** The WebSocket API's route handlers (lib/messaging-websocket.ts), listed for the local stack and the handler lint. */
export const WEBSOCKET_HANDLERS = {
  authorizer: { id: 'AuthorizeWebSocket', handler: 'messaging/live/authorize-websocket' },
  connect: { id: 'ConnectWebSocket', handler: 'messaging/live/connect-websocket' },
  disconnect: { id: 'DisconnectWebSocket', handler: 'messaging/live/disconnect-websocket' },
  default: { id: 'WebSocketDefault', handler: 'messaging/live/websocket-default' },
} as const;
