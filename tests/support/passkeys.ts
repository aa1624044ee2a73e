import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software authenticator for HTTP tests: it answers the server's WebAuthn options as a browser
 * with a passkey would (attestation "none", ES256, user verified), so the server's real checks run
 * on real signatures. The browser tests use Chromium's own virtual authenticator instead.
 */

const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** The few CBOR shapes WebAuthn needs: maps with text or integer keys, byte strings, text, small integers. */
function cbor(value: unknown): Buffer {
  const head = (major: number, n: number) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  throw new Error(`cbor: ${typeof value}`);
}

export interface SoftPasskey {
  credentialId: Buffer;
  privateKey: KeyObject;
  counter: number;
  userHandle: string | undefined;
}

export class SoftAuthenticator {
  readonly passkeys: SoftPasskey[] = [];
  /** What the authenticator reports of its counter (0 = it keeps none, as most synced passkeys). */
  constructor(
    readonly origin: string,
    readonly counts = true,
  ) {}

  get rpId(): string {
    return new URL(this.origin).hostname;
  }

  private clientData(type: string, challenge: string, origin = this.origin): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  private authData(flags: number, counter: number, attested?: Buffer, rpId = this.rpId): Buffer {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), c, ...(attested ? [attested] : [])]);
  }

  /** Answer registration options: a new ES256 key pair. `tamper` alters what a test wants broken. */
  register(options: any, tamper: { origin?: string; challenge?: string; userVerified?: boolean } = {}) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const credentialId = randomBytes(16);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), len, credentialId, cose]);
    const flags = 0x01 | (tamper.userVerified === false ? 0 : 0x04) | 0x40;
    const authData = this.authData(flags, 0, attested);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const passkey: SoftPasskey = { credentialId, privateKey, counter: 0, userHandle: options.user?.id };
    this.passkeys.push(passkey);
    return {
      passkey,
      response: {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(this.clientData('webauthn.create', tamper.challenge ?? options.challenge, tamper.origin)),
          attestationObject: b64url(attestationObject),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      },
    };
  }

  /** Answer authentication options with `passkey` (the first one by default): a signed assertion. */
  assert(options: any, passkey: SoftPasskey = this.passkeys[0]!, tamper: { origin?: string; counter?: number; rpId?: string } = {}) {
    if (this.counts) passkey.counter += 1;
    const authData = this.authData(0x01 | 0x04, tamper.counter ?? (this.counts ? passkey.counter : 0), undefined, tamper.rpId);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, tamper.origin);
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]), passkey.privateKey);
    return {
      id: b64url(passkey.credentialId),
      rawId: b64url(passkey.credentialId),
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(passkey.userHandle && { userHandle: passkey.userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
