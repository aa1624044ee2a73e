/**
 * CSV for spreadsheets (RFC 4180): every cell quoted, quotes doubled, lines ended CRLF. A cell a
 * spreadsheet would read as a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage
 * return — gets a leading `'` (OWASP's CSV injection advice), so an e-mail or user agent an
 * attacker chose can never run as a formula when an admin opens the export.
 */
function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** One CSV line (with its CRLF). */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
