/**
 * The only builder of Socket.IO room names. Clients never name a room: the server computes
 * it from what the viewer may see and joins them after a policy check.
 */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  session: (sessionId: string) => `session:${sessionId}`,
  clientStaff: (clientId: string) => `client:${clientId}:staff`,
  clientPortal: (clientId: string) => `client:${clientId}:portal`,
};
