import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { exportPKCS8 } from 'jose';
import { FederatedSecretsError } from '../core/errors';
import type { SigningAlgorithm, SigningKeySet } from '../core/federation/keys';
import { generateSigningKey, parseSigningKeys, rotateKeySet, serializeKeySet, SIGNING_ALGORITHMS } from '../core/federation/keys';
import { buildPublicDocuments, discoveryUrl } from '../core/federation/self';
import type { FederationConfig } from '../core/model/types';
import type { CommandResult, Output } from './io';
import { parseArgs, UsageError } from './args';
import { findConfigFiles, loadWorkspace } from './files';

export const ISSUER_USAGE = `Usage: federated-secrets issuer keygen --out FILE [--alg RS256|ES256] [--rotate] [--force]
       federated-secrets issuer export <federation> --signing-key-file FILE --out DIR [--workspace DIR] [--jwks-uri URL]

keygen  Generates a signing key for a "self" issuer and writes it to FILE with owner-only permissions
        (a PEM private key when FILE ends in .pem, else a JSON key set). --rotate adds a new signing key to an
        existing key set and keeps the previous key (both are published; the newest signs). Keep the file out
        of the repository.
export  Writes the public documents the cloud fetches to trust the issuer, laid out for static hosting at the
        issuer URL: DIR/.well-known/openid-configuration and DIR/jwks.json (or the path of --jwks-uri).
        Only public key members are written.

Exit code: 0 on success, 1 on failure, 2 on a usage error.`;

/** Writes a file only its owner can read (mode 0600), atomically when replacing. */
async function writePrivateFile(file: string, data: string, replace: boolean): Promise<void> {
  if (!replace) {
    await fs.writeFile(file, data, { mode: 0o600, flag: 'wx' });
  } else {
    const temp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(temp, data, { mode: 0o600, flag: 'wx' });
    await fs.rename(temp, file);
  }
  await fs.chmod(file, 0o600);
}

async function keygen(argv: readonly string[], out: Output, cwd: string): Promise<CommandResult> {
  const args = parseArgs(argv, { out: 'string', alg: 'string', rotate: 'flag', force: 'flag' }, ISSUER_USAGE);
  if (args.positionals.length) throw new UsageError(`Unexpected argument "${args.positionals[0] ?? ''}".`, ISSUER_USAGE);
  const outArg = args.options['out'];
  if (!outArg) throw new UsageError('--out FILE is required.', ISSUER_USAGE);
  const alg = (args.options['alg'] ?? 'RS256') as SigningAlgorithm;
  if (!SIGNING_ALGORITHMS.includes(alg)) throw new UsageError(`--alg must be RS256 or ES256, not "${args.options['alg'] ?? ''}".`, ISSUER_USAGE);
  const file = path.resolve(cwd, outArg);
  const pem = file.toLowerCase().endsWith('.pem');
  const rotate = args.flags.has('rotate');
  const exists = await fs
    .stat(file)
    .then(() => true)
    .catch(() => false);
  if (rotate && pem) throw new UsageError('--rotate needs a JSON key set file (a PEM file holds one key); use a .json file.', ISSUER_USAGE);
  if (exists && !rotate && !args.flags.has('force')) throw new UsageError(`${outArg} exists. Use --rotate to add a new signing key to it, or --force to replace it.`, ISSUER_USAGE);

  if (rotate && exists) {
    const previous = await parseSigningKeys(await fs.readFile(file, 'utf8'));
    const next = await rotateKeySet(previous, alg);
    await writePrivateFile(file, await serializeKeySet(next), true);
    const [current, kept] = next.keys;
    out.stdout(`Rotated ${outArg}: new ${alg} signing key ${current?.kid ?? ''}${kept ? `; the previous key ${kept.kid} stays published` : ''}.\nRepublish the JWKS now ("federated-secrets issuer export"), before the new key signs tokens the cloud must verify.\n`);
    return { exitCode: 0 };
  }
  const { key } = await generateSigningKey(alg);
  const data = pem ? await exportPKCS8(key.privateKey) : await serializeKeySet({ keys: [key] });
  await writePrivateFile(file, data, exists);
  out.stdout(`Wrote a new ${alg} signing key (kid ${key.kid}) to ${outArg}, readable by its owner only. Keep it out of the repository.\nNext: federated-secrets issuer export <federation> --signing-key-file ${outArg} --out <dir>, then publish <dir> at the issuer URL.\n`);
  return { exitCode: 0 };
}

async function exportDocuments(argv: readonly string[], out: Output, cwd: string): Promise<CommandResult> {
  const args = parseArgs(argv, { 'signing-key-file': 'string', out: 'string', workspace: 'string', 'jwks-uri': 'string' }, ISSUER_USAGE);
  if (args.positionals.length !== 1) throw new UsageError('Give the name of one Identity Federation (or its file).', ISSUER_USAGE);
  const keyFile = args.options['signing-key-file'];
  const outDir = args.options['out'];
  if (!keyFile) throw new UsageError('--signing-key-file FILE is required.', ISSUER_USAGE);
  if (!outDir) throw new UsageError('--out DIR is required.', ISSUER_USAGE);
  const jwksUri = args.options['jwks-uri'];
  if (jwksUri !== undefined && !/^https:\/\/[^\s/]+/.test(jwksUri)) throw new UsageError('--jwks-uri must be an https:// URL.', ISSUER_USAGE);

  const workspace = path.resolve(cwd, args.options['workspace'] ?? '.');
  const { files, missing } = await findConfigFiles([workspace]);
  if (missing.length) throw new UsageError(`No such folder: ${args.options['workspace'] ?? workspace}`, ISSUER_USAGE);
  const { index } = await loadWorkspace(files);
  const wanted = args.positionals[0] ?? '';
  const federation = index.find('federation', wanted) ?? index.get(path.resolve(cwd, wanted));
  if (!federation || federation.kind !== 'federation') {
    const names = index.ofKind('federation').flatMap((f) => (f.name ? [f.name] : []));
    throw new UsageError(`No Identity Federation is named "${wanted}".${names.length ? ` Known: ${names.join(', ')}.` : ''}`, ISSUER_USAGE);
  }
  const config = (federation.config ?? {}) as Partial<FederationConfig>;
  const issuer = config.issuer;
  if (issuer?.type !== 'self' || typeof issuer.issuerUrl !== 'string') {
    out.stderr(`"${wanted}" does not use a self issuer (issuer.type is ${issuer?.type ?? 'missing'}); there is nothing to publish.\n`);
    return { exitCode: 1 };
  }
  let keyText: string;
  try {
    keyText = await fs.readFile(path.resolve(cwd, keyFile), 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the signing key file ${keyFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, ISSUER_USAGE);
  }
  let set: SigningKeySet;
  try {
    set = await parseSigningKeys(keyText);
  } catch (error) {
    out.stderr(`${keyFile}: ${error instanceof FederatedSecretsError ? error.message : 'not a signing key.'}\n`);
    return { exitCode: 1 };
  }
  const docs = buildPublicDocuments(issuer.issuerUrl, set, jwksUri);
  const root = path.resolve(cwd, outDir);
  const discoveryFile = path.join(root, ...docs.discoveryPath.split('/'));
  const jwksFile = path.join(root, ...docs.jwksPath.split('/'));
  if (!jwksFile.startsWith(root + path.sep)) throw new UsageError('--jwks-uri must lie under the issuer URL to be exported.', ISSUER_USAGE);
  await fs.mkdir(path.dirname(discoveryFile), { recursive: true });
  await fs.mkdir(path.dirname(jwksFile), { recursive: true });
  await fs.writeFile(discoveryFile, `${JSON.stringify(docs.discovery, null, 2)}\n`);
  await fs.writeFile(jwksFile, `${JSON.stringify(docs.jwks, null, 2)}\n`);
  const display = (file: string) => path.relative(cwd, file) || file;
  out.stdout(
    `Wrote ${display(discoveryFile)} and ${display(jwksFile)} (${set.keys.length} public key${set.keys.length === 1 ? '' : 's'}; signing kid ${set.keys[0]?.kid ?? ''}).\n` +
      `Publish ${display(root)} so that ${discoveryUrl(issuer.issuerUrl)} and ${String(docs.discovery['jwks_uri'])} serve these files over HTTPS.\n`,
  );
  return { exitCode: 0 };
}

/** `federated-secrets issuer keygen|export`. */
export async function runIssuer(argv: readonly string[], out: Output, cwd: string): Promise<CommandResult> {
  const [sub, ...rest] = argv;
  if (sub === 'keygen') return keygen(rest, out, cwd);
  if (sub === 'export') return exportDocuments(rest, out, cwd);
  throw new UsageError(sub ? `Unknown issuer command "${sub}".` : 'Which issuer command? keygen or export.', ISSUER_USAGE);
}
