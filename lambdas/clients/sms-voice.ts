import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { tracer } from '../observability';

/**
 * AWS End User Messaging SMS (the `pinpoint-sms-voice-v2` API): created once per Lambda container and traced
 * in X-Ray; reaches a local endpoint through AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2.
 */
export const smsVoice = tracer.captureAWSv3Client(new PinpointSMSVoiceV2Client({}));
