import { createServer, type Server } from 'node:net';

export interface FakeSmtp {
  port: number;
  /** Every message received (the DATA section). */
  messages: string[];
  close(): Promise<void>;
}

/**
 * A minimal SMTP server on loopback for tests: enough of RFC 5321 (EHLO, MAIL, RCPT, DATA, QUIT)
 * for nodemailer to deliver to it, no TLS, no auth.
 */
export async function startFakeSmtp(): Promise<FakeSmtp> {
  const messages: string[] = [];
  const server: Server = createServer((sock) => {
    let inData = false;
    let data = '';
    let buf = '';
    sock.write('220 fake.smtp ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += String(chunk);
      let i: number;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push(data);
            data = '';
            sock.write('250 OK queued\r\n');
          } else data += line.replace(/^\./, '') + '\n';
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') sock.write('250-fake.smtp\r\n250 OK\r\n');
        else if (cmd === 'MAIL' || cmd === 'RCPT' || cmd === 'RSET' || cmd === 'NOOP') sock.write('250 OK\r\n');
        else if (cmd === 'DATA') {
          inData = true;
          sock.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (cmd === 'QUIT') sock.end('221 Bye\r\n');
        else sock.write('502 Not implemented\r\n');
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    messages,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
