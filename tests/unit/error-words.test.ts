import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fieldLabel, headline, sentence, sentenceDetails } from '../../server/error-words.js';
import { AppError, conflict, forbidden, notFound, unauthenticated, validationFailed } from '../../server/errors.js';

/**
 * Errors in full sentences (issue 18, point 19): every message a person reads from the API starts
 * with a capital and ends with a full stop (or ? or !), whatever path made it, and the literal
 * messages written in the server's source are sentences already.
 */

const SENTENCE = /^[A-Z0-9"“‘(].*[.!?]["”’)]?$/s;

function files(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (ext.test(name)) out.push(p);
  }
  return out;
}
const serverDir = join(import.meta.dirname, '../../server');

describe('sentence()', () => {
  it('turns the schemas’ short field messages and zod’s defaults into sentences that say what to do', () => {
    const cases: [string, string][] = [
      ['required', 'This is required: fill it in.'],
      ['required: say what was fixed', 'This is required: say what was fixed.'],
      ['at most 100 characters', 'Use at most 100 characters.'],
      ['at least 30 days', 'Use at least 30 days.'],
      ['a valid email address', 'Enter a valid email address.'],
      ['the 6-digit code from your authenticator app', 'Enter the 6-digit code from your authenticator app.'],
      ['from 5 to 1440 minutes', 'Choose a value from 5 to 1440 minutes.'],
      ['must be a whole number', 'This must be a whole number.'],
      ['too long', 'This is too long: shorten it.'],
      ['letters, digits, dots, dashes and underscores', 'Use only letters, digits, dots, dashes and underscores.'],
      ['choose at least one finding', 'Choose at least one finding.'],
      ['Invalid input: expected string, received undefined', 'This is required: fill it in.'],
      ['Invalid input: expected string, received number', 'This must be a string, not a number.'],
      ['Invalid option: expected one of "a"|"b"', 'Choose one of "a", "b".'],
      ['Unrecognized key: "isAdmin"', 'The request has fields the server does not accept ("isAdmin"): remove them.'],
      ['Too big: expected string to have <=64 characters', 'Use at most 64 characters.'],
      ['Too small: expected number to be >=1', 'Use a number no smaller than 1.'],
      ['Already a sentence.', 'Already a sentence.'],
      ['Is this a question?', 'Is this a question?'],
      ['', 'Something is not right with this request. Check it and try again.'],
    ];
    for (const [from, to] of cases) expect(sentence(from), from).toBe(to);
  });

  it('names a field in words in a headline', () => {
    expect(fieldLabel('newPassword')).toBe('New password');
    expect(fieldLabel('items.0.title')).toBe('Title');
    expect(fieldLabel('email')).toBe('E-mail address');
    expect(headline('newPassword: at most 1024 characters')).toBe('New password: Use at most 1024 characters.');
    // A sentence that happens to hold a colon is left as it is.
    expect(headline("This finding is Open: it can't become Closed.")).toBe("This finding is Open: it can't become Closed.");
  });
});

describe('the error model', () => {
  it('makes every message and validation detail a sentence; codes and other details are untouched', () => {
    const e = validationFailed('title: required', [{ path: 'title', message: 'required' }]);
    expect(e.code).toBe('validation_failed');
    expect(e.message).toBe('Title: This is required: fill it in.');
    expect(e.details).toEqual([{ path: 'title', message: 'This is required: fill it in.' }]);
    const c = conflict('two people changed this at once', { version: 3 });
    expect(c.message).toBe('Two people changed this at once.');
    expect(c.details).toEqual({ version: 3 });
    expect(sentenceDetails({ message: 'x' })).toEqual({ message: 'x' });
    for (const d of [notFound(), forbidden(), unauthenticated(), new AppError(500, 'internal_error', 'oops')]) expect(d.message).toMatch(SENTENCE);
  });

  it('every zod message written in the contracts becomes a sentence', () => {
    const messages = new Set<string>();
    for (const f of files(join(serverDir, 'contracts'), /\.ts$/)) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/\.(?:min|max|length|regex|refine|int|positive|nonnegative|email|url|uuid)\([^()]*?,?\s*'([^']+)'\)/g)) messages.add(m[1]!);
      for (const m of src.matchAll(/z\.(?:email|url|uuid|iso\.date)\('([^']+)'\)/g)) messages.add(m[1]!);
    }
    expect(messages.size).toBeGreaterThan(15);
    for (const m of messages) expect(sentence(m), m).toMatch(SENTENCE);
  });

  it('every literal message the server throws reads as a sentence in its source', () => {
    const factory =
      /\b(?:badRequest|validationFailed|unprocessable|unauthenticated|mfaRequired|forbidden|notFound|conflict|payloadTooLarge|rateLimited\(\s*[\w.]+\s*,)\(\s*(['"`])((?:(?!\1).)+)\1/g;
    const bad: string[] = [];
    let count = 0;
    for (const f of files(serverDir, /\.ts$/)) {
      for (const m of readFileSync(f, 'utf8').matchAll(factory)) {
        const text = m[2]!.replace(/^[a-z][\w.]*: /, ''); // a field's name before its message
        if (text.startsWith('${')) continue; // built from another message (checked where it is written)
        if (/\$\{[^}]*$/.test(text)) continue; // a template with a nested template: the regex cannot see its end
        count++;
        if (!SENTENCE.test(text.replace(/\$\{[^}]*\}/g, 'X'))) bad.push(`${relative(serverDir, f)}: ${m[2]}`);
      }
    }
    expect(count).toBeGreaterThan(60);
    expect(bad).toEqual([]);
  });
});
