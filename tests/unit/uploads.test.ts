import path from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { checkNameMatches, contentDisposition, fileHeaders, isPlainText, sanitiseFileName, sniffFile, withExtension } from '../../server/services/uploads.js';
import { tempDir } from '../support/app.js';
import { tinyPdf } from '../support/evidence.js';

/**
 * The pure parts of server/services/uploads.ts on their own: what the bytes are (and the MIME type
 * that goes with them), which name extensions may go with a type, names reduced to labels, the
 * download name and Content-Disposition, and the headers of a served file — pinned where the
 * mutation run (tests/mutation-survivors.md) found them loose.
 */

const dir = tempDir('debrief-uploads-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (bytes: Buffer | string) => {
  const p = path.join(dir, `f-${++n}`);
  writeFileSync(p, bytes);
  return p;
};
const ALL = ['png', 'jpg', 'webp', 'gif', 'pdf', 'zip', 'txt'] as const;
const img = (fmt: 'png' | 'jpeg' | 'webp' | 'gif') => {
  const image = sharp({ create: { width: 4, height: 4, channels: 3, background: '#123456' } });
  return image[fmt]().toBuffer();
};
/** The smallest valid zip: an empty archive (end of central directory only) — with one stored entry so file-type sees a zip. */
function zip(): Buffer {
  const name = Buffer.from('a.txt');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(10, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length, 16);
  return Buffer.concat([local, name, central, name, end]);
}

describe('sniffFile', () => {
  it('names each allowed type from the bytes, with its MIME type', async () => {
    expect(await sniffFile(file(await img('png')), ALL)).toEqual({ kind: 'image', ext: 'png', mime: 'image/png' });
    expect(await sniffFile(file(await img('jpeg')), ALL)).toEqual({ kind: 'image', ext: 'jpg', mime: 'image/jpeg' });
    expect(await sniffFile(file(await img('webp')), ALL)).toEqual({ kind: 'image', ext: 'webp', mime: 'image/webp' });
    expect(await sniffFile(file(await img('gif')), ALL)).toEqual({ kind: 'image', ext: 'gif', mime: 'image/gif' });
    expect(await sniffFile(file(tinyPdf()), ALL)).toEqual({ kind: 'file', ext: 'pdf', mime: 'application/pdf' });
    expect(await sniffFile(file(zip()), ALL)).toEqual({ kind: 'file', ext: 'zip', mime: 'application/zip' });
    expect(await sniffFile(file('plain notes\nline two, ünïcode\n'), ALL)).toEqual({ kind: 'file', ext: 'txt', mime: 'text/plain' });
  });

  it('answers null for a type that is not allowed here, whatever else it is', async () => {
    expect(await sniffFile(file(await img('png')), ['jpg', 'pdf', 'txt'])).toBeNull();
    expect(await sniffFile(file(tinyPdf()), ['png', 'txt'])).toBeNull();
    expect(await sniffFile(file(zip()), ['pdf', 'txt'])).toBeNull();
    expect(await sniffFile(file('just text'), ['png', 'pdf'])).toBeNull();
  });

  it('a PDF needs its %%EOF trailer in the last 1 KB; text that merely starts with %PDF- is neither PDF nor text', async () => {
    const pdf = tinyPdf();
    expect(await sniffFile(file(Buffer.concat([pdf, Buffer.alloc(1000, 0x20)])), ALL)).toMatchObject({ ext: 'pdf' });
    expect(await sniffFile(file(Buffer.concat([pdf, Buffer.alloc(1030, 0x20)])), ALL)).toBeNull();
    expect(await sniffFile(file('%PDF-1.7\nnot really a pdf\n'), ALL)).toBeNull();
  });

  it('binary bytes of no known type are not text', async () => {
    expect(await sniffFile(file(Buffer.from([0x41, 0x00, 0x42])), ALL)).toBeNull();
    expect(await sniffFile(file(Buffer.from([0xc3, 0x28, 0x41])), ALL)).toBeNull();
  });
});

describe('isPlainText', () => {
  it('is valid UTF-8 without a NUL byte', () => {
    expect(isPlainText(Buffer.from('héllo\tworld\n'))).toBe(true);
    expect(isPlainText(Buffer.from('a\0b'))).toBe(false);
    expect(isPlainText(Buffer.from([0xff, 0xfe, 0x41]))).toBe(false);
  });
});

describe('checkNameMatches', () => {
  const refuses = (name: string, ext: Parameters<typeof checkNameMatches>[1]['ext'], describe = 'a PNG image') => {
    try {
      checkNameMatches(name, { ext }, describe);
    } catch (e) {
      return e as AppError;
    }
    return null;
  };
  it('accepts every extension that goes with the type, in any case, and a name without one', () => {
    const ok: [string, Parameters<typeof checkNameMatches>[1]['ext']][] = [
      ['a.png', 'png'],
      ['a.JPG', 'jpg'],
      ['a.jpeg', 'jpg'],
      ['a.jpe', 'jpg'],
      ['a.jfif', 'jpg'],
      ['a.webp', 'webp'],
      ['a.gif', 'gif'],
      ['a.pdf', 'pdf'],
      ['a.zip', 'zip'],
      ...['txt', 'log', 'csv', 'tsv', 'md', 'json', 'xml', 'yaml', 'yml', 'nmap', 'gnmap'].map((e) => [`scan.${e}`, 'txt'] as [string, 'txt']),
      ['README', 'txt'],
      ['archive.tar.1', 'zip'],
      ['x.', 'png'],
    ];
    for (const [name, ext] of ok) expect(refuses(name, ext), name).toBeNull();
  });
  it('refuses another extension with 415, naming both', () => {
    const err = refuses('report.PHP', 'png');
    expect(err).toBeInstanceOf(AppError);
    expect([err!.status, err!.code, err!.message]).toEqual([
      415,
      'unsupported_media_type',
      'The file name ends in .php, but the file is a PNG image. Rename it to .png and try again.',
    ]);
    for (const [name, ext] of [
      ['a.png', 'jpg'],
      ['a.jpg', 'png'],
      ['a.txt', 'pdf'],
      ['a.pdf', 'txt'],
      ['a.gif', 'webp'],
      ['a.zip', 'txt'],
      ['a.html', 'txt'],
    ] as const) {
      expect(refuses(name, ext)?.status, name).toBe(415);
    }
  });
});

describe('sanitiseFileName', () => {
  it('keeps the last path segment, without controls, invisible characters or leading dots, spaces collapsed', () => {
    expect(sanitiseFileName('C:\\Users\\me\\..\\secret/report final.pdf', 'x')).toBe('report final.pdf');
    expect(sanitiseFileName('  ..hidden.txt ', 'x')).toBe('hidden.txt');
    expect(sanitiseFileName('.. spaced.txt', 'x')).toBe('spaced.txt');
    expect(sanitiseFileName('a\u202Egnp.exe', 'x')).toBe('agnp.exe');
    expect(sanitiseFileName('in\u200Bvis\u0007ible\r\n\ttab.txt', 'x')).toBe('invisibletab.txt');
    expect(sanitiseFileName('many   \u00a0 spaces.txt', 'x')).toBe('many spaces.txt');
    expect(sanitiseFileName('e\u0301.txt', 'x')).toBe('\u00e9.txt');
  });
  it('removes dots and spaces mixed at the start, not only a run of dots (no hidden-file label)', () => {
    expect(sanitiseFileName('. .name.txt', 'x')).toBe('name.txt');
    expect(sanitiseFileName(' . . ..env', 'x')).toBe('env');
    expect(sanitiseFileName('.\u00a0.name.txt', 'x')).toBe('name.txt');
    expect(sanitiseFileName('dir/. .name.txt', 'x')).toBe('name.txt');
    expect(sanitiseFileName('. . .', 'x')).toBe('x');
    expect(contentDisposition('attachment', '. .name.txt')).toBe('attachment; filename="name.txt"; filename*=UTF-8\'\'name.txt');
  });
  it('falls back when nothing is left or the name is not a string', () => {
    for (const raw of ['', '   ', '...', 'dir/', '\u200B', 42, null, undefined, ['a.txt']])
      expect(sanitiseFileName(raw, 'fallback.bin'), String(raw)).toBe('fallback.bin');
  });
  it('caps a long name at 200 characters, keeping its extension', () => {
    expect(sanitiseFileName('a'.repeat(200), 'x')).toBe('a'.repeat(200));
    expect(sanitiseFileName(`${'a'.repeat(300)}.pdf`, 'x')).toBe(`${'a'.repeat(196)}.pdf`);
    expect(sanitiseFileName(`${'a'.repeat(194)}    b.pdf`, 'x').length).toBeLessThanOrEqual(200);
    // Cut just after a space: the space is not kept before the extension.
    expect(sanitiseFileName(`${'a'.repeat(195)} ${'b'.repeat(100)}.pdf`, 'x')).toBe(`${'a'.repeat(195)}.pdf`);
    expect(sanitiseFileName('b'.repeat(250), 'x')).toBe('b'.repeat(200));
    expect(sanitiseFileName(`${'c'.repeat(250)}.toolongext1`, 'x')).toBe('c'.repeat(200));
  });
});

describe('withExtension', () => {
  it('adds the type’s extension unless the name already ends in one that goes with it', () => {
    expect(withExtension('notes.log', 'txt')).toBe('notes.log');
    expect(withExtension('photo.JPEG', 'jpg')).toBe('photo.JPEG');
    expect(withExtension('scan', 'pdf')).toBe('scan.pdf');
    expect(withExtension('scan.png', 'pdf')).toBe('scan.png.pdf');
    expect(withExtension('pic.heic', 'heic')).toBe('pic.heic');
    expect(withExtension('pic.png', 'heic')).toBe('pic.png.heic');
    expect(withExtension('a.md', 'txt', ['txt'])).toBe('a.md.txt');
  });
});

describe('contentDisposition and fileHeaders', () => {
  it('quotes a safe ASCII fallback and carries the exact name as filename*', () => {
    expect(contentDisposition('attachment', 'Report (final), v2+x=y@z.pdf')).toBe(
      'attachment; filename="Report (final), v2+x=y@z.pdf"; filename*=UTF-8\'\'Report%20%28final%29%2C%20v2%2Bx%3Dy%40z.pdf',
    );
    expect(contentDisposition('inline', 'a"b;c\u00e9\u00e9.txt')).toBe('inline; filename="a_b_c_.txt"; filename*=UTF-8\'\'a%22b%3Bc%C3%A9%C3%A9.txt');
    expect(contentDisposition('inline', "it's*.txt")).toBe('inline; filename="it_s_.txt"; filename*=UTF-8\'\'it%27s%2A.txt');
    expect(contentDisposition('attachment', '\u00e9\u00e9\u00e9')).toBe('attachment; filename="_"; filename*=UTF-8\'\'%C3%A9%C3%A9%C3%A9');
    expect(contentDisposition('attachment', '')).toBe('attachment; filename="download"; filename*=UTF-8\'\'download');
    expect(contentDisposition('attachment', '\u00e9 .txt')).toBe('attachment; filename="_ .txt"; filename*=UTF-8\'\'%C3%A9%20.txt');
    expect(contentDisposition('attachment', ' \u00e9.txt')).toBe('attachment; filename="_.txt"; filename*=UTF-8\'\'%C3%A9.txt');
  });

  it('the headers of a served file: text gets a charset, no sniffing, a sandbox', () => {
    expect(fileHeaders('text/plain', 'inline; filename="a.txt"', 12, 'private, no-store')).toEqual({
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': '12',
      'Content-Disposition': 'inline; filename="a.txt"',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, no-store',
    });
    expect(fileHeaders('image/png', 'x', 1, 'c')['Content-Type']).toBe('image/png');
  });
});
