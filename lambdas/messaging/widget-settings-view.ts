import { config } from '../config';
import { ChannelsNotReadyError } from '../core/errors';
import { getChannels } from '../repositories/messaging-channels';
import { getWidgetSettings, putWidgetSettings } from '../repositories/widget-settings';

export interface WidgetView {
  readonly publicKey: string;
  readonly allowedOrigins: readonly string[];
  /** The one script tag's `src`; absent where the widget's URL is not configured. */
  readonly scriptUrl?: string;
}

/** The script's URL: `<MESSAGING_WIDGET_URL>/<publicKey>/widget.js` (the REST API's /widget resource). */
export function widgetScriptUrl(publicKey: string): string | undefined {
  const base = config.messagingWidgetUrl();
  return base ? `${base.replace(/\/+$/, '')}/${encodeURIComponent(publicKey)}/widget.js` : undefined;
}

async function widgetKey(customerId: string): Promise<string> {
  const channels = await getChannels(customerId);
  if (!channels?.widget) throw new ChannelsNotReadyError();
  return channels.widget.publicKey;
}

function view(publicKey: string, allowedOrigins: readonly string[]): WidgetView {
  const scriptUrl = widgetScriptUrl(publicKey);
  return { publicKey, allowedOrigins, ...(scriptUrl ? { scriptUrl } : {}) };
}

/** Staff's view of their widget: its key, script and the origins it answers. */
export async function widgetView(customerId: string): Promise<WidgetView> {
  const publicKey = await widgetKey(customerId);
  return view(publicKey, (await getWidgetSettings(customerId)).allowedOrigins);
}

/** Replaces the origin allowlist (already validated and deduplicated); the widget answers them at once. */
export async function setAllowedOrigins(customerId: string, allowedOrigins: readonly string[], now = new Date()): Promise<WidgetView> {
  const publicKey = await widgetKey(customerId);
  await putWidgetSettings(customerId, { allowedOrigins }, now);
  return view(publicKey, allowedOrigins);
}
