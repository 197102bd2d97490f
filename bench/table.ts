/** A column: its title, and for numeric cells the decimals to show (default 1) and an optional suffix. */
export interface Column {
  readonly title: string;
  readonly digits?: number;
  readonly suffix?: string;
}

/** Prints a titled, aligned text table to stdout; columns holding numbers are right-aligned. */
export function printTable(title: string, columns: readonly Column[], rows: readonly (readonly (string | number)[])[]): void {
  const body = rows.map((row) => row.map((cell, index) => formatCell(cell, columns[index])));
  const cells = [columns.map((column) => column.title), ...body];
  const widths = columns.map((_, index) => Math.max(...cells.map((row) => (row[index] ?? '').length)));
  const numeric = columns.map((_, index) => rows.some((row) => typeof row[index] === 'number'));
  const line = (row: readonly string[]) =>
    row
      .map((cell, index) => (numeric[index] ? cell.padStart(widths[index]) : cell.padEnd(widths[index])))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(cells[0]));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of body) console.log(line(row));
}

function formatCell(cell: string | number, column: Column | undefined): string {
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return String(cell);
  return `${cell.toFixed(column?.digits ?? 1)}${column?.suffix ?? ''}`;
}
