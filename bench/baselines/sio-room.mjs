// The second baseline: a bare Socket.IO room broadcast. No auth, no validation, no persistence.
// A socket joins the room named in its handshake query (`room`; `sender=1` joins none); an
// event `message:send` (payload, ack) is broadcast to the sender's room as `message:created`
// in an envelope shaped like Debrief's, then acknowledged.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { path: '/socket.io', serveClient: false, transports: ['websocket'] });
let position = 0;
io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'all');
  if (socket.handshake.query.sender !== '1') socket.join(room);
  socket.on('message:send', (payload, ack) => {
    io.to(room).emit('message:created', { position: ++position, clientId: room, type: 'message:created', at: new Date().toISOString(), data: payload });
    if (typeof ack === 'function') ack({ ok: true });
  });
});
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
process.on('message', async (m) => {
  if (m?.cmd === 'rss') {
    globalThis.gc?.();
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 500));
    process.send({ ev: 'rss', rssKb: rssKb() });
  }
  if (m?.cmd === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), Number(process.env.MAX_LIFE_MS ?? 1_800_000)).unref();
http.listen(Number(process.env.PORT), '127.0.0.1', 4096, () => process.send({ ev: 'ready' }));
