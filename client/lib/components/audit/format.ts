/** A long user agent cut to its first 60 characters (the whole one on hover). */
export const shortAgent = (ua: string | null) => (ua && ua.length > 60 ? `${ua.slice(0, 57)}…` : (ua ?? ''));

/** Who a row's actor is, in words. */
export const KIND_LABEL: Record<string, string> = { staff: 'Staff', portal: 'Client user', anonymous: 'Not signed in', system: 'System' };
