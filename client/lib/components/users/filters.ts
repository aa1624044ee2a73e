import type { MemberDTO } from '$contracts/users';

/** Active, but not signed in for INACTIVE_DAYS (or never). */
export const INACTIVE_DAYS = 90;
function isInactive(m: MemberDTO): boolean {
  return m.status === 'active' && (m.lastLoginAt === null || Date.now() - m.lastLoginAt > INACTIVE_DAYS * 86_400_000);
}

/** Which members the list shows: Current is everyone not removed (active or invited). */
export type MemberFilter = 'current' | 'inactive' | 'removed' | 'all';
export const FILTERS: { value: MemberFilter; label: string }[] = [
  { value: 'current', label: 'Current' },
  { value: 'inactive', label: 'Inactive' },
  { value: 'removed', label: 'Removed' },
  { value: 'all', label: 'All' },
];

export function inFilter(m: MemberDTO, filter: MemberFilter): boolean {
  return filter === 'all' ? true : filter === 'removed' ? m.status === 'removed' : filter === 'inactive' ? isInactive(m) : m.status !== 'removed';
}

/** How many members each filter shows (the counts on its chip). */
export const filterCounts = (members: MemberDTO[]) =>
  Object.fromEntries(FILTERS.map((f) => [f.value, members.filter((m) => inFilter(m, f.value)).length])) as Record<MemberFilter, number>;
