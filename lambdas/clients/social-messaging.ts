import { SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import { tracer } from '../observability';

/**
 * AWS End User Messaging Social (WhatsApp): created once per Lambda container and traced in X-Ray; reaches a
 * local endpoint through AWS_ENDPOINT_URL_SOCIALMESSAGING.
 */
export const socialMessaging = tracer.captureAWSv3Client(new SocialMessagingClient({}));
