/** Zero-based line and character (UTF-16 code units), as editors count them. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface RelatedLocation {
  file: string;
  range: Range;
  message: string;
}

/** A problem found in a config file: where it is, how bad, its stable code and what to do about it. */
export interface Diagnostic {
  file: string;
  range: Range;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  related?: RelatedLocation[];
  /** Extra facts quick fixes need (never secret values). */
  data?: Record<string, string>;
}

interface CodeInfo {
  id: string;
  severity: Severity;
  title: string;
}

/**
 * Every diagnostic code the product emits. Codes are stable: tooling and documentation depend on them, so a
 * code is never reused for another meaning. The README's table is checked against this list by a test.
 */
export const DIAGNOSTIC_CODES = {
  jsonSyntax: { id: 'FS001', severity: 'error', title: 'Malformed JSON' },
  emptyFile: { id: 'FS002', severity: 'error', title: 'Empty file' },
  duplicateKey: { id: 'FS003', severity: 'error', title: 'Duplicate property in one object' },
  notUtf8: { id: 'FS004', severity: 'error', title: 'File is not valid UTF-8' },
  unreadable: { id: 'FS005', severity: 'error', title: 'File cannot be read' },
  tooLarge: { id: 'FS006', severity: 'error', title: 'File too large to validate' },
  tooDeep: { id: 'FS007', severity: 'error', title: 'Nesting too deep' },
  byteOrderMark: { id: 'FS008', severity: 'warning', title: 'File starts with a byte order mark' },
  missingProperty: { id: 'FS101', severity: 'error', title: 'Required property missing' },
  unknownProperty: { id: 'FS102', severity: 'error', title: 'Property not allowed' },
  wrongType: { id: 'FS103', severity: 'error', title: 'Wrong type' },
  invalidValue: { id: 'FS104', severity: 'error', title: 'Value not allowed' },
  schemaViolation: { id: 'FS105', severity: 'error', title: 'Other schema violation' },
  duplicateName: { id: 'FS201', severity: 'error', title: 'Duplicate name' },
  unknownFederation: { id: 'FS202', severity: 'error', title: 'Unknown identity federation' },
  unknownStore: { id: 'FS203', severity: 'error', title: 'Unknown secret store' },
  malformedSecretRef: { id: 'FS204', severity: 'error', title: 'secretRef is not <store>/<reference>' },
  unmappedReference: { id: 'FS205', severity: 'error', title: 'Reference not mapped in the store' },
  providerMismatch: { id: 'FS206', severity: 'error', title: 'Secret manager and cloud do not match' },
  plaintextSecret: { id: 'FS207', severity: 'warning', title: 'Secret stored as plain text' },
  sharedClientId: { id: 'FS208', severity: 'warning', title: 'Two auth profiles share one client id' },
  issuerNotHttps: { id: 'FS209', severity: 'error', title: 'Issuer URL is not https' },
  invalidSecretName: { id: 'FS210', severity: 'error', title: 'Invalid Key Vault secret name' },
  unusedMapping: { id: 'FS211', severity: 'information', title: 'Mapping not used by any consumer' },
  duplicateReference: { id: 'FS212', severity: 'error', title: 'Reference declared twice in one store' },
  unsupportedAlgorithm: { id: 'FS213', severity: 'error', title: 'Signing algorithm not accepted by the cloud' },
  secretMissing: { id: 'FS301', severity: 'error', title: 'Mapped secret not found in the vault' },
  secretDisabled: { id: 'FS302', severity: 'error', title: 'Mapped secret is disabled' },
  secretExpired: { id: 'FS303', severity: 'error', title: 'Mapped secret has expired' },
  secretExpiresSoon: { id: 'FS304', severity: 'warning', title: 'Mapped secret expires soon' },
  vaultUnavailable: { id: 'FS305', severity: 'warning', title: 'Vault unreachable or permission missing' },
  issuerMismatch: { id: 'FS306', severity: 'error', title: 'Issuer URL differs from the published issuer' },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticKind = keyof typeof DIAGNOSTIC_CODES;
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[DiagnosticKind]['id'];

export function makeDiagnostic(
  kind: DiagnosticKind,
  file: string,
  range: Range,
  message: string,
  extra?: { severity?: Severity; related?: RelatedLocation[]; data?: Record<string, string> },
): Diagnostic {
  const info = DIAGNOSTIC_CODES[kind];
  const diagnostic: Diagnostic = { file, range, severity: extra?.severity ?? info.severity, code: info.id, message };
  if (extra?.related?.length) diagnostic.related = extra.related;
  if (extra?.data) diagnostic.data = extra.data;
  return diagnostic;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code);
}
