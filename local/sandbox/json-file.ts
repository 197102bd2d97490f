import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One JSON file of sandbox state under `<dataDir>/sandbox/`, written atomically (temp file + rename) on
 * every change, so a restart (or a crash) keeps the inventory a developer is looking at.
 */
export class JsonFile<T> {
  private readonly file: string;

  constructor(dir: string, name: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${name}.json`);
  }

  /** The stored value, or `fallback()` when there is none (or it cannot be read: said once, then reset). */
  load(fallback: () => T): T {
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

  save(value: T): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(value, null, 1));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
