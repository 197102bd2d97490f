import { config } from '../config';
import { ChannelsNotReadyError } from '../core/errors';
import { getChannels } from '../repositories/messaging-channels';

export interface ChannelsView {
  readonly sms: { readonly number: string };
  readonly whatsapp: { readonly number: string };
  readonly widget?: { readonly publicKey: string; readonly scriptUrl?: string };
  readonly websocketUrl?: string;
}

/**
 * What staff (and the frontend) need to show and connect: the account's numbers, its widget key and the
 * WebSocket URL. The widget's script and the WebSocket API come in later changes: until they are deployed
 * (MESSAGING_WIDGET_URL, MESSAGING_WEBSOCKET_URL unset) those fields are left out.
 */
export async function channelsView(customerId: string): Promise<ChannelsView> {
  const channels = await getChannels(customerId);
  if (!channels?.sms || !channels.whatsapp) throw new ChannelsNotReadyError();
  const widgetBase = config.messagingWidgetUrl();
  const websocketUrl = config.messagingWebsocketUrl();
  return {
    sms: { number: channels.sms.number },
    whatsapp: { number: channels.whatsapp.number },
    ...(channels.widget
      ? { widget: { publicKey: channels.widget.publicKey, ...(widgetBase ? { scriptUrl: `${widgetBase}?key=${encodeURIComponent(channels.widget.publicKey)}` } : {}) } }
      : {}),
    ...(websocketUrl ? { websocketUrl } : {}),
  };
}
