/** Display helpers for the chat. */

/** "14:05" today, "Mon 14:05" this week, else "3 Nov, 14:05". */
export function timeOf(iso: string): string {
  const d = new Date(iso);
  const now = new Date();
  const hm = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return hm;
  if (now.getTime() - d.getTime() < 6 * 86_400_000) return `${d.toLocaleDateString(undefined, { weekday: 'short' })} ${hm}`;
  return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}, ${hm}`;
}

/** "Ana is typing…", "Ana and Ben are typing…", "3 people are typing…". */
export function typingText(names: string[]): string {
  if (!names.length) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}
