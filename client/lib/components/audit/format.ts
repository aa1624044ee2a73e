/** How the audit readers show a row's time: the viewer's local date and clock time (the ISO value, UTC, on hover). */
export const localDate = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
export const localClock = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A long user agent cut to its first 60 characters (the whole one on hover). */
export const shortAgent = (ua: string | null) => (ua && ua.length > 60 ? `${ua.slice(0, 57)}…` : (ua ?? ''));

/** Who a row's actor is, in words. */
export const KIND_LABEL: Record<string, string> = { staff: 'Staff', portal: 'Client user', anonymous: 'Not signed in', system: 'System' };
