import { jsonRoute } from './http';
import { VerifyEmailBody } from './schemas';
import { verifyEmail } from '../services/verify-email';

/**
 * POST /auth/verify-email {token} (public: the link is opened wherever the email is read): verifies the
 * account and starts provisioning; a repeated click answers the current status.
 */
export const handler = jsonRoute(VerifyEmailBody, async ({ body }) => ({ statusCode: 200, body: await verifyEmail(body.token) }));
