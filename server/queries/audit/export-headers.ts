import { contentDisposition } from '../../services/uploads.js';

/** The headers of an audit export: a download (never shown in the page), not sniffed, never cached. */
export function exportHeaders(format: 'csv' | 'jsonl', base: string): Record<string, string> {
  return {
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'Content-Disposition': contentDisposition('attachment', `${base}.${format}`),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, no-store',
  };
}
