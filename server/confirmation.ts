import type { AffectedPersonDTO, ConsequenceDTO, ConsequencePartDTO } from './contracts/confirmation.js';
import { confirmationRequired } from './errors.js';

/**
 * The one home of "compute the consequence, refuse unless confirmed". A command computes the parts
 * inside the transaction that applies its change (after locking what it changes), so what the
 * person is shown is what the change really does; throwing there rolls the transaction back, so a
 * refusal changes nothing.
 */
export function requireConfirmation(confirmed: boolean | undefined, parts: (ConsequencePartDTO | null)[]): void {
  const consequence = consequenceOf(parts);
  if (consequence && confirmed !== true) throw confirmationRequired(`Please confirm: ${consequence.message}`, consequence);
}

/** The parts that reach someone, as one consequence (null: nothing to confirm). */
function consequenceOf(parts: (ConsequencePartDTO | null)[]): ConsequenceDTO | null {
  const real = parts.filter((p): p is ConsequencePartDTO => p !== null);
  if (real.length === 0) return null;
  const people = new Map<string, AffectedPersonDTO>();
  for (const p of real) for (const person of p.people) people.set(person.id, person);
  return { message: real.map((p) => p.message).join(' '), people: [...people.values()], parts: real };
}

/** "1 person", "7 people". */
export const peopleCount = (n: number): string => (n === 1 ? '1 person' : `${n} people`);

/** "Ann Lee", "Ann Lee and Bo Ray", "Ann Lee, Bo Ray and 4 others": the sentence names a few, the list names all. */
export function namesOf(people: { name: string }[], shown = 3): string {
  const names = people.map((p) => p.name);
  if (names.length <= shown) return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const rest = names.length - shown;
  return `${names.slice(0, shown).join(', ')} and ${rest === 1 ? '1 other' : `${rest} others`}`;
}
