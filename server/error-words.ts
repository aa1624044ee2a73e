/**
 * Errors in full sentences (issue 18, point 19). Every message a person reads from the API is a
 * sentence: a capital first letter, a full stop (or ? or !) at the end, and where the cause is a
 * field's input, what to do about it. The schemas keep their short field messages ("at most 100
 * characters", zod's own defaults); the one error model (errors.ts) turns them into sentences as
 * an error is made, so no path can send a fragment. Codes never change: clients branch on those.
 */

/** Field names that read better spelled out than split from camelCase. */
const LABELS: Record<string, string> = {
  email: 'E-mail address',
  cvssVector: 'CVSS vector',
  ipAllowlist: 'IP allowlist',
  url: 'URL',
  mfaCode: 'Code',
  totp: 'Code',
};

/** "newPassword" → "New password"; "items.0.title" → "Title" (the last named segment). */
export function fieldLabel(path: string): string {
  const name =
    path
      .split('.')
      .filter((s) => s && !/^\d+$/.test(s))
      .pop() ?? '';
  if (!name) return 'Input';
  if (LABELS[name]) return LABELS[name];
  const words = name
    .replace(/Ids?$/, (m) => (m === 'Ids' ? 's' : ''))
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Short schema messages, and zod's defaults, as the sentence a person should read. */
const REWRITES: [RegExp, (...m: string[]) => string][] = [
  [/^required$/i, () => 'This is required: fill it in.'],
  [/^required: (.+)$/i, (_, what) => `This is required: ${what}.`],
  [/^Invalid input: expected \w+, received undefined$/, () => 'This is required: fill it in.'],
  [/^Invalid input: expected (\w+), received (\w+)$/, (_, want, got) => `This must be a ${want}, not a ${got}.`],
  [/^Invalid option: expected one of (.+)$/, (_, list) => `Choose one of ${list.split('|').join(', ')}.`],
  [/^Unrecognized keys?: (.+)$/, (_, keys) => `The request has fields the server does not accept (${keys}): remove them.`],
  [/^Too big: expected \w+ to have <=?(\d+) (\w+)$/, (_, n, unit) => `Use at most ${n} ${unit}.`],
  [/^Too small: expected \w+ to have >=?(\d+) (\w+)$/, (_, n, unit) => `Use at least ${n} ${unit}.`],
  [/^Too big: expected \w+ to be <=?(\S+)$/, (_, n) => `Use a number no larger than ${n}.`],
  [/^Too small: expected \w+ to be >=?(\S+)$/, (_, n) => `Use a number no smaller than ${n}.`],
  [/^Invalid (\w+)$/, (_, what) => `This is not a valid ${what}.`],
  [/^too long$/i, () => 'This is too long: shorten it.'],
  [/^at (most|least) (.+)$/, (_, bound, rest) => `Use at ${bound} ${rest}.`],
  [/^from (\d.+)$/, (_, range) => `Choose a value from ${range}.`],
  [/^must be (.+)$/, (_, rest) => `This must be ${rest}.`],
  [/^(a|an|the) (.+)$/, (_, article, rest) => `Enter ${article} ${rest}.`],
  [/^(letters|digits)(, .+)$/, (_, first, rest) => `Use only ${first}${rest}.`],
];

/** One message as a sentence: rewritten where it is a known fragment, else capitalised and closed. */
export function sentence(message: string): string {
  const m = message.trim();
  if (!m) return 'Something is not right with this request. Check it and try again.';
  for (const [re, to] of REWRITES) {
    const hit = re.exec(m);
    if (hit) return to(...hit);
  }
  const capital = m.charAt(0).toUpperCase() + m.slice(1);
  return /[.!?]["')]?$/.test(capital) ? capital : `${capital}.`;
}

/**
 * An error's headline as a sentence. A field-scoped headline (`newPassword: at most 1024
 * characters`) names the field in words: "New password: Use at most 1024 characters."
 */
export function headline(message: string): string {
  const field = /^([a-z][\w.]*): (.+)$/s.exec(message.trim());
  if (field) return `${fieldLabel(field[1]!)}: ${sentence(field[2]!)}`;
  return sentence(message);
}

/** A validation failure's per-field details with each message a sentence (other shapes pass through). */
export function sentenceDetails(details: unknown): unknown {
  if (!Array.isArray(details)) return details;
  return details.map((d: unknown) =>
    d && typeof d === 'object' && typeof (d as { message?: unknown }).message === 'string'
      ? { ...(d as object), message: sentence((d as { message: string }).message) }
      : d,
  );
}
