import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { TestApp } from './app.js';
import type { Agent, Res } from './http.js';

/** Helpers for the evidence and report tests: raw uploads, binary downloads, test files made on the fly. */

/** POST raw bytes as the agent (the Agent helper only sends JSON). */
export async function postRaw(
  app: TestApp,
  agent: Agent | null,
  urlPath: string,
  bytes: Buffer,
  contentType = 'application/octet-stream',
  extra: Record<string, string> = {},
): Promise<Res> {
  const headers: Record<string, string> = { origin: app.url, 'content-type': contentType, ...extra };
  if (agent?.cookie) headers.cookie = agent.cookie;
  const res = await fetch(`${app.url}/api${urlPath}`, { method: 'POST', headers, body: Uint8Array.from(bytes) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Upload evidence to a finding. */
export function uploadEvidence(
  app: TestApp,
  agent: Agent | null,
  findingId: string,
  bytes: Buffer,
  name = 'shot.png',
  contentType = 'application/octet-stream',
  caption?: string,
): Promise<Res> {
  const q = new URLSearchParams({ name, ...(caption !== undefined && { caption }) });
  return postRaw(app, agent, `/findings/${findingId}/evidence?${q}`, bytes, contentType);
}

/** Upload a report PDF to a project. */
export function uploadReport(
  app: TestApp,
  agent: Agent | null,
  projectId: string,
  bytes: Buffer,
  title = 'Penetration test report',
  name = 'report.pdf',
  contentType = 'application/pdf',
): Promise<Res> {
  return postRaw(app, agent, `/projects/${projectId}/reports?${new URLSearchParams({ title, name })}`, bytes, contentType);
}

/** GET a binary resource as the agent (anonymous when null). */
export async function getBytes(app: TestApp, agent: Agent | null, urlPath: string): Promise<{ status: number; headers: Headers; bytes: Buffer; json: any }> {
  const res = await fetch(app.url + urlPath, { headers: agent?.cookie ? { cookie: agent.cookie } : {} });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    /* binary */
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

/** A tiny but valid one-page PDF (correct xref offsets), optionally with some text in it. */
export function tinyPdf(text = 'Debrief test report'): Buffer {
  const stream = `BT /F1 18 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A noisy RGB image (every pixel different-ish, never pure black), so redacted areas are unmistakable. */
export async function noisyPng(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = 40 + (((i * 2654435761) >>> 24) % 200);
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Stored file names (no temporaries) in one uploads folder. */
export function storedFiles(app: TestApp, folder: 'evidence' | 'reports'): string[] {
  const dir = path.join(app.config.uploadsDir, folder);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Wait until `check` is true (audit rows written after a streamed response finishes). */
export async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
