import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey } from 'jose';
import { signAccessToken, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../../../lambdas/core/tokens';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SIGNING_KEY_SECRET_ID } from '../../../local/local-env';

/**
 * Bearer tokens the authorizer must refuse with 401, made against the running stack's own signing key
 * (read from its local Secrets Manager) where that makes the case sharper: expired, wrong audience, issuer or type,
 * no subject; and tokens that no key of ours signed: forged with another key, `alg: none`, HS256 with the
 * public key as the secret, a real token with its payload swapped.
 */
export async function badTokens(edgeUrl: string, victimId: string, realToken: string): Promise<{ label: string; token: string }[]> {
  const secrets = new SecretsManagerClient({ endpoint: edgeUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const key = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: SIGNING_KEY_SECRET_ID }))).SecretString ?? '{}') as {
    kid: string;
    privateJwk: Parameters<typeof importJWK>[0];
  };
  secrets.destroy();
  const privateKey = (await importJWK(key.privateJwk, 'ES256')) as CryptoKey;
  const now = Math.floor(Date.now() / 1000);
  const real = (claims: { aud?: string; iss?: string; typ?: string; sub?: string | null }) => {
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: claims.typ ?? 'at+jwt' })
      .setIssuer(claims.iss ?? TOKEN_ISSUER)
      .setAudience(claims.aud ?? TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600);
    if (claims.sub !== null) jwt.setSubject(claims.sub ?? victimId);
    return jwt.sign(privateKey);
  };
  const other = await generateKeyPair('ES256', { extractable: true });
  const [header, , signature] = realToken.split('.');
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { sub: victimId, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, iat: now, exp: now + 600 };
  const publicJwk = await exportJWK(other.publicKey);
  return [
    { label: 'expired token (signed by our key an hour ago)', token: await signAccessToken(victimId, { kid: key.kid, privateKey }, 900, new Date(Date.now() - 3_600_000)) },
    { label: 'token for another audience', token: await real({ aud: 'someone-else' }) },
    { label: 'token from another issuer', token: await real({ iss: 'https://evil.example' }) },
    { label: 'token of another type', token: await real({ typ: 'JWT' }) },
    { label: 'token without a subject', token: await real({ sub: null }) },
    { label: 'token forged with another key', token: await signAccessToken(victimId, { kid: key.kid, privateKey: other.privateKey }, 900) },
    { label: 'alg none token', token: `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.` },
    {
      label: 'HS256 token keyed with a public key',
      token: await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' }).sign(Buffer.from(JSON.stringify(publicJwk))),
    },
    { label: 'real token with a swapped payload', token: `${header}.${b64({ ...claims, sub: `${victimId}0` })}.${signature}` },
    { label: 'truncated token', token: realToken.slice(0, -10) },
    { label: 'token with an empty signature', token: `${header}.${realToken.split('.')[1]}.` },
    { label: 'not a JWT', token: 'abc.def' },
  ];
}
