import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { JsonFile, persisted } from '../../../../local/sandbox/json-file';

const dir = mkdtempSync(path.join(os.tmpdir(), 'stackpro-json-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const onDisk = (name: string) => JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as unknown;

describe('JsonFile (sandbox state, group commit)', () => {
  it('writes the changes of one turn together, the latest value, by the time persisted() resolves', async () => {
    const file = new JsonFile<{ n: number }>(dir, 'turn');
    file.save({ n: 1 });
    file.save({ n: 2 });
    const other = new JsonFile<string[]>(dir, 'other');
    other.save(['a']);

    expect(existsSync(path.join(dir, 'turn.json'))).toBe(false);
    await persisted();
    expect(onDisk('turn')).toEqual({ n: 2 });
    expect(onDisk('other')).toEqual(['a']);
    await expect(persisted()).resolves.toBeUndefined();
  });

  it('gives a second reader of the same file (a restart in the same process) the change not yet written', () => {
    new JsonFile<{ n: number }>(dir, 'restart').save({ n: 7 });
    expect(new JsonFile<{ n: number }>(dir, 'restart').load(() => ({ n: 0 }))).toEqual({ n: 7 });
  });

  it('rejects persisted() when the write fails, so the edge answers 500 instead of acknowledging', async () => {
    const gone = path.join(dir, 'removed');
    const file = new JsonFile<number>(gone, 'state');
    rmSync(gone, { recursive: true });
    file.save(1);
    await expect(persisted()).rejects.toThrow(/ENOENT/);
  });
});
