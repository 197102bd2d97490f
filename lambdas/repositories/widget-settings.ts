import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from '../clients/dynamodb';
import { config } from '../config';
import { messagingKeys } from './messaging-keys';

/** What staff set for their live-chat widget. */
export interface WidgetSettings {
  /** Page origins (`https://shop.example`) the widget's routes answer; none until staff add one. */
  readonly allowedOrigins: readonly string[];
}

/** The widget's settings; no origins allowed until staff set them (the widget then answers nobody). */
export async function getWidgetSettings(customerId: string): Promise<WidgetSettings> {
  const { Item } = await dynamodb.send(new GetCommand({ TableName: config.messagingTableName(), Key: messagingKeys.widgetSettings(customerId) }));
  const origins: unknown = Item?.allowedOrigins;
  return { allowedOrigins: Array.isArray(origins) ? origins.filter((origin): origin is string => typeof origin === 'string') : [] };
}

/** Replaces the settings in one Put: the last write wins, and a repeated request is the same state. */
export async function putWidgetSettings(customerId: string, settings: WidgetSettings, now: Date): Promise<void> {
  await dynamodb.send(
    new PutCommand({
      TableName: config.messagingTableName(),
      Item: { ...messagingKeys.widgetSettings(customerId), customerId, allowedOrigins: [...settings.allowedOrigins], updatedAt: now.toISOString() },
    }),
  );
}
