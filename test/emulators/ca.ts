/**
 * A throw-away certificate authority for the HTTPS emulators.
 *
 * Certificates are built with Node's crypto and a minimal DER encoder (X.509 v3, RFC 5280), so the
 * emulators need no native tools and no extra packages. All keys are ECDSA P-256 and live in memory only.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export interface ServerCertificate {
  /** PEM of the leaf certificate followed by nothing else (the CA is trusted directly). */
  certPem: string;
  /** PKCS#8 PEM of the leaf's private key. */
  keyPem: string;
}

export interface TestCa {
  /** The CA certificate to trust (pass as `ca` / `tlsOptions.ca`). */
  caCertPem: string;
  /** Issues a TLS server certificate for the given DNS names and IP addresses (wildcards such as `*.vault.azure.net` allowed). */
  issueServerCert(hostnames: string[]): ServerCertificate;
}

export interface TestCaOptions {
  /** Common name of the CA. Default: "Federated Secrets Test CA". */
  commonName?: string;
  /** Validity of issued certificates in days. Default: 7. */
  validityDays?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Minimal DER encoder

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  let rest = length;
  while (rest > 0) {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);
const octetString = (value: Buffer): Buffer => tlv(0x04, value);
const utf8String = (value: string): Buffer => tlv(0x0c, Buffer.from(value, 'utf8'));
const bool = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
const explicit = (tagNumber: number, content: Buffer): Buffer => tlv(0xa0 | tagNumber, content);

function bitString(value: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.from([unusedBits]), value);
}

function integer(value: Buffer | number): Buffer {
  let bytes = typeof value === 'number' ? Buffer.from([value]) : value;
  // Strip redundant leading zeros, then keep the number positive.
  while (bytes.length > 1 && bytes[0] === 0x00 && ((bytes[1] ?? 0) & 0x80) === 0) bytes = bytes.subarray(1);
  if (((bytes[0] ?? 0) & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0x00]), bytes]);
  return tlv(0x02, bytes);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => Number.parseInt(p, 10));
  const [first = 0, second = 0, ...rest] = parts;
  const bytes: number[] = [first * 40 + second];
  for (const part of rest) {
    const chunk: number[] = [part & 0x7f];
    let value = Math.floor(part / 128);
    while (value > 0) {
      chunk.unshift((value & 0x7f) | 0x80);
      value = Math.floor(value / 128);
    }
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function time(date: Date): Buffer {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const body =
    pad(date.getUTCFullYear() % 100) +
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  // UTCTime is valid through 2049 (RFC 5280 §4.1.2.5); our certificates live for days.
  return tlv(0x17, Buffer.from(body, 'ascii'));
}

// ---------------------------------------------------------------------------------------------------------------
// X.509 pieces

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const signatureAlgorithm = (): Buffer => seq(oid(OID.ecdsaWithSha256));

function name(commonName: string): Buffer {
  return seq(
    set(seq(oid(OID.organization), utf8String('Federated Secrets test emulators'))),
    set(seq(oid(OID.commonName), utf8String(commonName))),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octetString(value)) : seq(oid(id), octetString(value));
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail] = address.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const groups = [...headParts, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g || '0', 16), i * 2));
  return out;
}

function subjectAltNames(hostnames: string[]): Buffer {
  const entries = hostnames.map((host) => {
    const kind = isIP(host);
    if (kind === 4) return tlv(0x87, Buffer.from(host.split('.').map((p) => Number.parseInt(p, 10))));
    if (kind === 6) return tlv(0x87, ipv6Bytes(host));
    return tlv(0x82, Buffer.from(host.toLowerCase(), 'ascii'));
  });
  return seq(...entries);
}

function spkiDer(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

function keyId(publicKey: KeyObject): Buffer {
  // RFC 5280 §4.2.1.2 allows any unique method; a hash of the whole SPKI is unique and stable.
  return createHash('sha1').update(spkiDer(publicKey)).digest();
}

function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes;
}

function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

interface CertificateRequest {
  subject: string;
  issuer: string;
  subjectPublicKey: KeyObject;
  issuerPrivateKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Buffer[];
}

function buildCertificate(req: CertificateRequest): Buffer {
  const tbs = seq(
    explicit(0, integer(2)), // v3
    integer(serialNumber()),
    signatureAlgorithm(),
    name(req.issuer),
    seq(time(req.notBefore), time(req.notAfter)),
    name(req.subject),
    spkiDer(req.subjectPublicKey),
    explicit(3, seq(...req.extensions)),
  );
  const signature = sign('sha256', tbs, req.issuerPrivateKey); // DER-encoded ECDSA signature
  return seq(tbs, signatureAlgorithm(), bitString(signature));
}

/** Creates a fresh CA (new key pair) that can issue server certificates. Nothing is written to disk. */
export function createTestCa(options: TestCaOptions = {}): TestCa {
  const commonName = options.commonName ?? 'Federated Secrets Test CA';
  const validityMs = (options.validityDays ?? 7) * 24 * 3600 * 1000;
  const now = Date.now();
  const notBefore = new Date(now - 3600 * 1000); // tolerate small clock differences
  const notAfter = new Date(now + validityMs);

  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caDer = buildCertificate({
    subject: commonName,
    issuer: commonName,
    subjectPublicKey: caKeys.publicKey,
    issuerPrivateKey: caKeys.privateKey,
    notBefore,
    notAfter,
    extensions: [
      extension(OID.basicConstraints, true, seq(bool(true), integer(0))),
      // keyCertSign (bit 5) | cRLSign (bit 6)
      extension(OID.keyUsage, true, bitString(Buffer.from([0x06]), 1)),
      extension(OID.subjectKeyIdentifier, false, octetString(keyId(caKeys.publicKey))),
    ],
  });
  const caCertPem = toPem('CERTIFICATE', caDer);

  return {
    caCertPem,
    issueServerCert(hostnames: string[]): ServerCertificate {
      if (hostnames.length === 0) throw new Error('issueServerCert needs at least one host name');
      const leafKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const der = buildCertificate({
        subject: hostnames[0] ?? 'localhost',
        issuer: commonName,
        subjectPublicKey: leafKeys.publicKey,
        issuerPrivateKey: caKeys.privateKey,
        notBefore,
        notAfter,
        extensions: [
          extension(OID.basicConstraints, true, seq()),
          // digitalSignature (bit 0)
          extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
          extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))),
          extension(OID.subjectAltName, false, subjectAltNames(hostnames)),
          extension(OID.subjectKeyIdentifier, false, octetString(keyId(leafKeys.publicKey))),
          extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, keyId(caKeys.publicKey)))),
        ],
      });
      const keyPem = leafKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return { certPem: toPem('CERTIFICATE', der), keyPem };
    },
  };
}

/** The host names every emulator certificate covers by default. */
export const DEFAULT_SERVER_HOSTNAMES: readonly string[] = ['127.0.0.1', '::1', 'localhost', '*.vault.azure.net'];
