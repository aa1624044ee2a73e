// The second baseline: a bare Socket.IO room broadcast. No auth, no validation, no persistence.
// A socket joins the room named in its handshake query (`room`; `sender=1` joins none); an
// event `message:send` (payload, ack) is broadcast to the sender's room as `message:created`
// in an envelope shaped like Debrief's, then acknowledged.
import { createServer } from 'node:http';
import { underBench } from './control.mjs';
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
const ready = underBench();
http.listen(Number(process.env.PORT), '127.0.0.1', 4096, ready);
