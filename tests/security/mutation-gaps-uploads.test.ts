import { connect } from 'node:net';
import { refuseInserts } from '../support/db-faults.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { chatPeople, uploadChatFile } from '../support/chat.js';
import { buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { smallPng } from '../support/images.js';
import { buildFinding } from '../support/workspace.js';
import { getBytes, sha256, tinyPdf, uploadEvidence, uploadReport } from '../support/evidence.js';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * What the mutation run of receiveUpload / refuseRest / discardUpload (tests/mutation-survivors.md,
 * slice 24) found no test for, over a real port: a declared Content-Length over the limit refused
 * before a byte of the body is sent, and the connection closed after it; a body of exactly the
 * limit accepted; the SHA-256 recorded as hex (a report downloads whole); refusals of a chat file
 * before a file exists answered with their own status; and a failure after the received file was
 * moved into place still removing every file written and logging that failure.
 */

let app: TestApp;
let staff: Agent;
let findingId: string;
let projectId: string;
const LIMIT = 1024 * 1024;

/** Every name (temporaries included) in one uploads folder. */
const filesIn = (folder: string) => {
  const dir = path.join(app.config.uploadsDir, folder);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
};

beforeAll(async () => {
  app = await startTestApp({ UPLOAD_MAX_MB: '1', REPORT_MAX_MB: '1', CHAT_FILE_MAX_MB: '1' });
  staff = await signIn(app, await buildStaff(app.db));
  const finding = await buildFinding(app.db);
  findingId = finding.id;
  projectId = finding.project_id;
});
afterAll(() => app.close());

/**
 * Send only the head of a request over a raw socket (`body` bytes at most, however much
 * Content-Length declares) and collect what the server answers until it closes the connection or
 * `ms` pass. `closed` says whether the server ended the connection by then.
 */
function rawHead(headers: Record<string, string>, urlPath: string, body = Buffer.alloc(0), ms = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const url = new URL(app.url);
    const socket = connect(Number(url.port), url.hostname);
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (e) => (done ? undefined : reject(e)));
    socket.on('connect', () => {
      const head = Object.entries({ host: url.host, ...headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`POST ${urlPath} HTTP/1.1\r\n${head}\r\n`);
      if (body.length) socket.write(body);
    });
  });
}

describe('receiveUpload: the size limit', () => {
  it('a declared Content-Length over the limit is answered 413 before a byte of the body is sent, and the connection is closed', async () => {
    const before = filesIn('evidence');
    const started = Date.now();
    const res = await rawHead(
      { origin: app.url, cookie: staff.cookie!, 'content-type': 'application/octet-stream', 'content-length': String(50 * LIMIT) },
      `/api/findings/${findingId}/evidence?name=big.png`,
    );
    // Without the check on the declared length the server waits for a body that never comes.
    expect(res.text.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    expect(res.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)).error).toEqual({
      code: 'payload_too_large',
      message: 'The file is larger than the 1 MB limit.',
    });
    // …and does not keep the connection open to read (and discard) the 50 MB it was promised.
    expect(res.closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(filesIn('evidence')).toEqual(before);
  });

  it('a declared Content-Length over the limit with part of the body sent: the same 413, and the server closes the connection', async () => {
    const res = await rawHead(
      { origin: app.url, cookie: staff.cookie!, 'content-type': 'application/octet-stream', 'content-length': String(LIMIT + 1) },
      `/api/projects/${projectId}/reports?title=Big&name=big.pdf`,
      Buffer.alloc(64 * 1024, 7),
    );
    expect(res.text.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    expect(res.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(res.closed).toBe(true);
  });

  it('a file of exactly the limit is accepted, with a Content-Length and sent chunked', async () => {
    const exact = Buffer.alloc(LIMIT, 'a');
    const declared = await uploadEvidence(app, staff, findingId, exact, 'exact.txt');
    expect(declared.status, declared.text).toBe(201);
    expect(declared.body.evidence).toMatchObject({ kind: 'file', mime: 'text/plain', size: LIMIT });

    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= LIMIT) return controller.close();
        const n = Math.min(64 * 1024, LIMIT - sent);
        sent += n;
        controller.enqueue(new Uint8Array(n).fill(0x62));
      },
    });
    const res = await fetch(`${app.url}/api/findings/${findingId}/evidence?name=chunked.txt`, {
      method: 'POST',
      headers: { origin: app.url, cookie: staff.cookie!, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.headers.get('content-length')).not.toBeNull(); // a JSON answer, not a stream
    const json = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(201);
    expect(json.evidence.size).toBe(LIMIT);
  });
});

describe('the label of an upload', () => {
  it('starts with neither a dot nor a space, however they are mixed (no hidden-file name in the download)', async () => {
    const res = await uploadEvidence(app, staff, findingId, Buffer.from('API_KEY=redacted\n'), '. .env.txt');
    expect(res.status, res.text).toBe(201);
    expect(res.body.evidence.originalName).toBe('env.txt');
    const file = await getBytes(app, staff, res.body.evidence.url);
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="env.txt"; filename*=UTF-8\'\'env.txt');
  });
});

describe('receiveUpload: the checksum', () => {
  it('records the SHA-256 of the bytes as hex, and the report downloads whole', async () => {
    const pdf = tinyPdf('Checksum test');
    const up = await uploadReport(app, staff, projectId, pdf, 'Checksum');
    expect(up.status, up.text).toBe(201);
    expect(up.body.report.sha256).toBe(sha256(pdf));
    const down = await getBytes(app, staff, up.body.report.downloadUrl);
    expect(down.status).toBe(200);
    expect(down.bytes.equals(pdf)).toBe(true);
  });
});

describe('discardUpload', () => {
  it('a chat file refused before any file exists (empty, JSON, over the limit) gets its own answer, and nothing is left', async () => {
    const p = await chatPeople(app.db);
    const collab = await signIn(app, p.collabA);
    const before = filesIn('attachments');
    const empty = await uploadChatFile(app, collab, p.a.id, Buffer.alloc(0), 'empty.txt');
    expect([empty.status, empty.body.error]).toEqual([400, { code: 'bad_request', message: 'Choose a file to upload.' }]);
    const json = await collab.post(`/api/chat/${p.a.id}/attachments?name=x.txt`, { not: 'a file' });
    expect([json.status, json.body.error.code]).toEqual([415, 'unsupported_media_type']);
    const big = await uploadChatFile(app, collab, p.a.id, Buffer.alloc(LIMIT + 1, 'a'), 'big.txt');
    expect([big.status, big.body.error]).toEqual([413, { code: 'payload_too_large', message: 'The file is larger than the 1 MB limit.' }]);
    expect(filesIn('attachments')).toEqual(before);
  });

  for (const kind of ['an image', 'a text file'] as const) {
    it(`a failure after ${kind} was moved into place removes every file written and logs that failure`, async () => {
      const before = filesIn('evidence');
      const logsBefore = app.logs.length;
      const restore = await refuseInserts(app.db, 'evidence', 'evidence insert refused by the test');
      try {
        const res =
          kind === 'an image'
            ? await uploadEvidence(app, staff, findingId, await smallPng('#345678', 40), 'late.png')
            : await uploadEvidence(app, staff, findingId, Buffer.from('late failure\n'), 'late.txt');
        expect(res.status).toBe(500);
        expect(res.body.error.code).toBe('internal_error');
      } finally {
        await restore();
      }
      // The temporary file was renamed to its stored name: removing it again must not fail the clean-up.
      expect(filesIn('evidence')).toEqual(before);
      const errors = app.logs.slice(logsBefore).filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect((errors[0]!.err as { message: string }).message).toBe('evidence insert refused by the test');
    });
  }

  it('the same for a report: the stored PDF is removed and the database failure is what is logged', async () => {
    const before = filesIn('reports');
    const logsBefore = app.logs.length;
    const restore = await refuseInserts(app.db, 'reports', 'report insert refused by the test');
    try {
      const res = await uploadReport(app, staff, projectId, tinyPdf('Late failure'), 'Late');
      expect(res.status).toBe(500);
    } finally {
      await restore();
    }
    expect(filesIn('reports')).toEqual(before);
    const errors = app.logs.slice(logsBefore).filter((l) => l.level === 'error');
    expect(errors.map((l) => (l.err as { message: string }).message)).toEqual(['report insert refused by the test']);
  });
});
