/** Where a command writes: JSON (one document on stdout) or text for people; progress goes to stderr. */
export interface Output {
  readonly json: boolean;
  /** The command's result: printed as JSON with --json, else by `text`. */
  result(value: unknown, text: () => void): void;
  /** A line of progress for people (stderr; silent with --json, so stdout stays one JSON document). */
  progress(line: string): void;
}

export function createOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  return {
    json,
    result(value, text) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else text();
    },
    progress(line) {
      if (!json) stderr.write(`${line}\n`);
    },
  };
}

/** An aligned text table; empty cells as `-`. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined || cell === '' ? '-' : String(cell))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
