/**
 * One string per client room name, however many sockets join it (the adapter keeps the name in
 * each socket's own room set: thousands of sockets of one client would otherwise hold a copy each).
 */
const named = new Map<string, string>();
function once(name: string): string {
  const known = named.get(name);
  if (known !== undefined) return known;
  if (named.size >= 100_000) named.clear();
  named.set(name, name);
  return name;
}

/**
 * The only builder of Socket.IO room names. Clients never name a room: the server computes
 * it from what the viewer may see and joins them after a policy check.
 */
export const rooms = {
  /** Every socket of one user (notifications, unread counts). */
  user: (userId: string) => `user:${userId}`,
  /** Every socket of one session (ended together when the session ends). */
  session: (sessionId: string) => `session:${sessionId}`,
  /** Every feed socket of staff who see every client; new clients' staff rooms are joined from here. */
  staff: () => 'staff',
  /** Staff-presented events of one client. */
  clientStaff: (clientId: string) => once(`client:${clientId}:staff`),
  /** Whether a room is one client's staff room (`clientStaff`). */
  isClientStaff: (room: string) => room.startsWith('client:') && room.endsWith(':staff'),
  /** Portal-presented events of one client (its own users only). */
  clientPortal: (clientId: string) => once(`client:${clientId}:portal`),
  /** Staff sockets tailing the audit log (the Audit page's live tail); only staff who may read it join. */
  auditTail: () => 'audit:tail',
  /** Presence and typing on one finding's page. */
  finding: (findingId: string) => `finding:${findingId}`,
  /** Presence and typing in one client's chat channel. */
  channel: (clientId: string) => `channel:${clientId}`,
};
