import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Files changed since they were last written, with the value to write. */
const unwritten = new Map<JsonFile<unknown>, unknown>();
let nextWrite: Promise<void> | undefined;

/**
 * Resolves once every change saved so far is on disk. The edge server awaits it before it answers, so
 * an acknowledged change survives a kill -9, while the changes of all requests handled in one turn of
 * the event loop share one write per file (group commit): writing a whole file per change made a burst
 * of n signups write O(n^2) bytes.
 */
export function persisted(): Promise<void> {
  return nextWrite ?? Promise.resolve();
}

/** Writes every changed file now. */
export function writeUnwritten(): void {
  for (const [file, value] of [...unwritten]) {
    unwritten.delete(file);
    file.writeNow(value);
  }
}

let exitHooked = false;

/**
 * One JSON file of sandbox state under `<dataDir>/sandbox/`, written atomically (temp file + rename) after
 * every change (see persisted()), so a restart (or a crash) keeps the inventory a developer is looking at.
 */
export class JsonFile<T> {
  private readonly file: string;

  constructor(dir: string, name: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${name}.json`);
  }

  /** The stored value, or `fallback()` when there is none (or it cannot be read: said once, then reset). */
  load(fallback: () => T): T {
    // Another model of the same file in this process (a restart in a test) must read the latest changes.
    writeUnwritten();
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return fallback();
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      console.warn(`[sandbox] ${this.file} is not valid JSON (${String(error)}); starting empty`);
      return fallback();
    }
  }

  /** Saves `value` (the model's whole state) before the next answer of the edge server (persisted()). */
  save(value: T): void {
    unwritten.set(this as JsonFile<unknown>, value);
    if (!exitHooked) {
      // A clean exit (Ctrl-C, the stack's stop) writes what is still pending.
      process.once('exit', writeUnwritten);
      exitHooked = true;
    }
    if (nextWrite) return;
    const write = new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        nextWrite = undefined;
        try {
          writeUnwritten();
          resolve();
        } catch (error) {
          // The requests waiting on it answer 500, as they did when each wrote its own change.
          reject(error as Error);
        }
      }),
    );
    write.catch(() => undefined);
    nextWrite = write;
  }

  /** @internal */
  writeNow(value: unknown): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(value, null, 1));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
