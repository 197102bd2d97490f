import { ValidationError } from '../core/errors';

/** Opaque page cursors: the keyset of the last item shown, base64url JSON, checked on the way back in. */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number, pattern: RegExp): string[] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && decoded.length === length && decoded.every((part) => typeof part === 'string' && pattern.test(part))) return decoded as string[];
  } catch {
    // answered below
  }
  throw new ValidationError([{ field: 'cursor', message: 'Not a cursor this route gave out.' }]);
}
