import { progressBar } from '../../../bin/cli/commands/fleet';
import { runCli } from '../../../bin/cli/run';

/** The fleet commands' own logic; the whole command against the local stack is in test/integration/fleet-update.test.ts. */
describe('npx stackpro fleet', () => {
  let stderr: jest.SpyInstance;
  let written: string[];
  beforeEach(() => {
    written = [];
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
  });
  afterEach(() => stderr.mockRestore());

  it.each([
    [['--version', '2026.12.0', '--max-concurrent', '2', '--max-failures', '0'], 'exactly one of --all, --plan <plan> or --customers <ids>'],
    [['--version', '2026.12.0', '--all', '--plan', 'starter', '--max-concurrent', '2', '--max-failures', '0'], "option '--all' cannot be used with option '--plan <plan>'"],
    [['--version', '2026.12.0', '--all', '--max-concurrent', '0', '--max-failures', '0'], '--max-concurrent must be a whole number from 1'],
    [['--version', '2026.12.0', '--all', '--max-concurrent', '2'], "required option '--max-failures <E>' not specified"],
  ])('refuses %j before calling the API: %s', async (args, message) => {
    const code = await runCli(['fleet', 'update', ...args, '--api', 'http://127.0.0.1:9']);
    expect(code).toBeGreaterThan(0);
    expect(written.join('')).toContain(message);
  });

  it('draws progress as done of total with the counts', () => {
    expect(progressBar({ progress: { total: 10, pending: 3, updating: 1, rolling_back: 1, updated: 4, failed: 1, skipped: 0 } }, 10)).toBe(
      '[#####-----] 5/10  updated 4, failed 1, skipped 0, in flight 2',
    );
    expect(progressBar({ progress: { pending: 0, updating: 0, rolling_back: 0, updated: 0, failed: 0, skipped: 0 } }, 4)).toBe('[----] 0/?  updated 0, failed 0, skipped 0, in flight 0');
  });
});
