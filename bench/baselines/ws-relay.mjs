// The floor: a raw `ws` relay. No auth, no validation, no persistence, no JSON parsing.
// A frame `<ackId>|<payload>` is relayed verbatim (`<payload>`) to every socket of the sender's
// room (the `room` query; a socket with `sender=1` is not a member), then `A<ackId>` goes back.
// Run by the bench with `node --expose-gc`; IPC: {cmd:'rss'} → {rssKb} after GC; {cmd:'exit'}.
import { WebSocketServer } from 'ws';
import { underBench } from './control.mjs';

const rooms = new Map();
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT), perMessageDeflate: false, clientTracking: false, backlog: 4096 });
wss.on('connection', (ws, req) => {
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const room = q.get('room') ?? 'all';
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  if (q.get('sender') !== '1') members.add(ws);
  ws.on('close', () => members.delete(ws));
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const s = data.toString();
    const bar = s.indexOf('|');
    const payload = s.slice(bar + 1);
    for (const m of members) m.send(payload);
    ws.send(`A${s.slice(0, bar)}`);
  });
});
const ready = underBench();
wss.on('listening', ready);
