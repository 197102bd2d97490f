import { config } from '../config';
import { ChannelsNotReadyError } from '../core/errors';
import { getChannels } from '../repositories/messaging-channels';
import { widgetScriptUrl } from './widget-settings-view';

function scriptUrlOf(publicKey: string): { scriptUrl?: string } {
  const scriptUrl = widgetScriptUrl(publicKey);
  return scriptUrl ? { scriptUrl } : {};
}

export interface ChannelsView {
  readonly sms: { readonly number: string };
  readonly whatsapp: { readonly number: string };
  readonly widget?: { readonly publicKey: string; readonly scriptUrl?: string };
  readonly websocketUrl?: string;
}

/**
 * What staff (and the frontend) need to show and connect: the account's numbers, its widget key and the
 * WebSocket URL. `scriptUrl` is the widget's script on the REST API (MESSAGING_WIDGET_URL, set from the API's id
 * in AWS and to the local API locally); the WebSocket URL is left out until its API is deployed.
 */
export async function channelsView(customerId: string): Promise<ChannelsView> {
  const channels = await getChannels(customerId);
  if (!channels?.sms || !channels.whatsapp) throw new ChannelsNotReadyError();
  const websocketUrl = config.messagingWebsocketUrl();
  return {
    sms: { number: channels.sms.number },
    whatsapp: { number: channels.whatsapp.number },
    ...(channels.widget
      ? { widget: { publicKey: channels.widget.publicKey, ...scriptUrlOf(channels.widget.publicKey) } }
      : {}),
    ...(websocketUrl ? { websocketUrl } : {}),
  };
}
