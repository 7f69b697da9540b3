import type { Node, ParseError } from 'jsonc-parser';
import { createScanner, findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Diagnostic, Range } from '../diagnostics';
import { makeDiagnostic } from '../diagnostics';
import type { ConfigKind } from './kinds';
import { SECRET_VALUE_FIELDS, SENSITIVE_FIELDS, isConsumerKind, kindOfFile } from './kinds';
import type { ConfigDocument, MappingEntry, SecretFieldUse } from './types';
import { firstInvalidUtf8Offset, LineIndex, START_RANGE } from './text';
import { validateAgainstSchema } from './validate';

/** Limits that keep a hostile or mistaken file from hanging the editor. */
export interface ParseLimits {
  /** Larger files are not parsed (bytes, or UTF-16 code units for text). */
  maxSize: number;
  /** Deeper nesting is not parsed. */
  maxDepth: number;
  /** At most this many syntax errors are reported per file. */
  maxSyntaxErrors: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxSize: 1024 * 1024, maxDepth: 64, maxSyntaxErrors: 25 };

export interface ParseResult {
  document: ConfigDocument;
  diagnostics: Diagnostic[];
}

function emptyDocument(file: string, kind: ConfigKind): ConfigDocument {
  return { file, kind, range: START_RANGE, schemaValid: false, positions: new Map() };
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** Parses a file as read from disk, checking its encoding first. */
export function parseConfigBytes(file: string, bytes: Uint8Array, kind?: ConfigKind, limits: ParseLimits = DEFAULT_LIMITS): ParseResult {
  const fileKind = kind ?? kindOfFile(file);
  if (!fileKind) throw new Error(`Not a config file: ${file}`);
  if (bytes.length > limits.maxSize) {
    return {
      document: emptyDocument(file, fileKind),
      diagnostics: [makeDiagnostic('tooLarge', file, START_RANGE, `The file is ${formatSize(bytes.length)}; config files over ${formatSize(limits.maxSize)} are not validated. Split it, or check that the right file was given this name.`)],
    };
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return {
      document: emptyDocument(file, fileKind),
      diagnostics: [makeDiagnostic('notUtf8', file, START_RANGE, 'The file is UTF-16 encoded. Save it as UTF-8 (in VS Code: click the encoding in the status bar, then "Save with Encoding" > UTF-8).')],
    };
  }
  const invalidAt = firstInvalidUtf8Offset(bytes);
  if (invalidAt >= 0) {
    let line = 0;
    let lineStart = 0;
    for (let i = 0; i < invalidAt; i++) {
      if (bytes[i] === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    const byte = (bytes[invalidAt] ?? 0).toString(16).toUpperCase().padStart(2, '0');
    const position = { line, character: invalidAt - lineStart };
    return {
      document: emptyDocument(file, fileKind),
      diagnostics: [
        makeDiagnostic('notUtf8', file, { start: position, end: position }, `The file is not valid UTF-8 (byte 0x${byte} at line ${line + 1}). Save it as UTF-8 (in VS Code: "Save with Encoding" > UTF-8).`),
      ],
    };
  }
  return parseConfigText(file, new TextDecoder('utf-8').decode(bytes), fileKind, limits, bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf);
}

/** Parses, validates and indexes one config file's text. Never throws on bad input. */
export function parseConfigText(file: string, input: string, kind?: ConfigKind, limits: ParseLimits = DEFAULT_LIMITS, hadBom = false): ParseResult {
  const fileKind = kind ?? kindOfFile(file);
  if (!fileKind) throw new Error(`Not a config file: ${file}`);
  const diagnostics: Diagnostic[] = [];
  let text = input;
  // TextDecoder drops a UTF-8 BOM; editors keep it as U+FEFF. Either way, report it once and parse past it
  // (a space keeps every offset where the editor has it).
  if (text.charCodeAt(0) === 0xfeff) {
    text = ` ${text.slice(1)}`;
    hadBom = true;
  }
  if (hadBom) {
    diagnostics.push(makeDiagnostic('byteOrderMark', file, START_RANGE, 'The file starts with a byte order mark (BOM). Some platforms reject it when importing; save as "UTF-8" rather than "UTF-8 with BOM".'));
  }
  const document = emptyDocument(file, fileKind);
  if (text.length > limits.maxSize) {
    diagnostics.push(makeDiagnostic('tooLarge', file, START_RANGE, `The file is ${formatSize(text.length)}; config files over ${formatSize(limits.maxSize)} are not validated. Split it, or check that the right file was given this name.`));
    return { document, diagnostics };
  }
  const lines = new LineIndex(text);
  if (text.trim() === '') {
    diagnostics.push(makeDiagnostic('emptyFile', file, START_RANGE, `The file is empty. Add a ${fileKind} definition (the "New…" commands of the Federated Secrets view create one from a template).`));
    return { document, diagnostics };
  }

  const tooDeepAt = findExcessiveNesting(text, limits.maxDepth);
  if (tooDeepAt >= 0) {
    diagnostics.push(makeDiagnostic('tooDeep', file, lines.rangeAt(tooDeepAt, 1), `Objects and arrays are nested more than ${limits.maxDepth} levels deep here; no config kind needs that. The file is not validated further.`));
    return { document, diagnostics };
  }

  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  for (const error of errors.slice(0, limits.maxSyntaxErrors)) {
    diagnostics.push(makeDiagnostic('jsonSyntax', file, lines.rangeAt(error.offset, error.length), `${syntaxMessage(error)} Fix the JSON here.`));
  }
  if (errors.length > limits.maxSyntaxErrors) {
    diagnostics.push(makeDiagnostic('jsonSyntax', file, START_RANGE, `${errors.length - limits.maxSyntaxErrors} more syntax errors are not shown.`));
  }
  if (!root) return { document, diagnostics };
  document.range = lines.rangeAt(root.offset, root.length);
  if (root.type !== 'object') {
    diagnostics.push(makeDiagnostic('wrongType', file, lines.rangeAt(root.offset, Math.min(root.length, 1)), `A ${fileKind} file must hold one JSON object ({ ... }), but holds ${root.type === 'array' ? 'an array' : `a ${root.type}`}.`));
    return { document, diagnostics };
  }

  diagnostics.push(...findDuplicateKeys(root, lines, file));
  const value = getNodeValue(root) as Record<string, unknown>;
  document.config = value;
  // Syntax errors make schema errors misleading (the parser's recovery guesses), so validate only clean files.
  if (errors.length === 0) {
    const schemaErrors = validateAgainstSchema(fileKind, value, root, lines, file);
    diagnostics.push(...schemaErrors);
    document.schemaValid = schemaErrors.length === 0;
  }
  indexDocument(document, root, lines);
  return { document, diagnostics };
}

function syntaxMessage(error: ParseError): string {
  switch (printParseErrorCode(error.error)) {
    case 'InvalidSymbol':
      return 'Unexpected character.';
    case 'InvalidNumberFormat':
      return 'Invalid number.';
    case 'PropertyNameExpected':
      return 'A property name in double quotes is expected.';
    case 'ValueExpected':
      return 'A value is expected.';
    case 'ColonExpected':
      return 'A colon (:) is expected after the property name.';
    case 'CommaExpected':
      return 'A comma is expected between items.';
    case 'CloseBraceExpected':
      return 'A closing brace (}) is expected.';
    case 'CloseBracketExpected':
      return 'A closing bracket (]) is expected.';
    case 'EndOfFileExpected':
      return 'Unexpected content after the end of the JSON value.';
    case 'InvalidCommentToken':
      return 'Invalid comment.';
    case 'UnexpectedEndOfComment':
      return 'A comment is not closed (*/ missing).';
    case 'UnexpectedEndOfString':
      return 'A string is not closed (" missing).';
    case 'UnexpectedEndOfNumber':
      return 'A number ends unexpectedly.';
    case 'InvalidUnicode':
      return 'Invalid \\u escape in a string.';
    case 'InvalidEscapeCharacter':
      return 'Invalid escape character in a string.';
    case 'InvalidCharacter':
      return 'Invalid character in a string (control characters must be escaped).';
    default:
      return 'Invalid JSON.';
  }
}

// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot read; these are its values.
const SyntaxKind = { OpenBraceToken: 1, CloseBraceToken: 2, OpenBracketToken: 3, CloseBracketToken: 4, EOF: 17 } as const;

/** Scans without recursion, so a file of a million '[' cannot overflow the stack. Returns the offset or -1. */
function findExcessiveNesting(text: string, maxDepth: number): number {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let token: number = scanner.scan(); token !== SyntaxKind.EOF; token = scanner.scan()) {
    if (token === SyntaxKind.OpenBraceToken || token === SyntaxKind.OpenBracketToken) {
      depth++;
      if (depth > maxDepth) return scanner.getTokenOffset();
    } else if (token === SyntaxKind.CloseBraceToken || token === SyntaxKind.CloseBracketToken) {
      depth = Math.max(0, depth - 1);
    }
  }
  return -1;
}

function findDuplicateKeys(root: Node, lines: LineIndex, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const stack: Node[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (!node) break;
    if (node.type === 'object') {
      const seen = new Map<string, Node>();
      for (const property of node.children ?? []) {
        const key = property.children?.[0];
        if (!key || typeof key.value !== 'string') continue;
        const first = seen.get(key.value);
        if (first) {
          out.push(
            makeDiagnostic('duplicateKey', file, lines.rangeAt(key.offset, key.length), `Property "${key.value}" appears twice in this object; parsers disagree on which one wins. Remove one.`, {
              related: [{ file, range: lines.rangeAt(first.offset, first.length), message: 'First occurrence' }],
            }),
          );
        } else seen.set(key.value, key);
      }
    }
    for (const child of node.children ?? []) stack.push(child);
  }
  return out;
}

function rangeOf(node: Node | undefined, lines: LineIndex): Range | undefined {
  return node ? lines.rangeAt(node.offset, node.length) : undefined;
}

/** Records what other files and the editor need: names, references and their positions. */
function indexDocument(document: ConfigDocument, root: Node, lines: LineIndex): void {
  const record = (path: (string | number)[]) => {
    const range = rangeOf(findNodeAtLocation(root, path), lines);
    if (range) document.positions.set(path.join('/'), range);
    return range;
  };
  const nameNode = findNodeAtLocation(root, ['name']);
  if (nameNode?.type === 'string' && typeof nameNode.value === 'string') {
    document.name = nameNode.value;
    document.nameRange = rangeOf(nameNode, lines);
  }
  for (const path of [['cloudProvider'], ['provider'], ['issuer'], ['issuer', 'type'], ['issuer', 'issuerUrl'], ['azure'], ['aws'], ['gcp'], ['authentication'], ['azureKeyVault'], ['tokenEndpoint'], ['secrets']]) {
    record(path);
  }

  if (document.kind === 'secretstore') {
    const federationNode = findNodeAtLocation(root, ['authentication', 'federation']);
    if (federationNode?.type === 'string' && typeof federationNode.value === 'string') {
      document.federationRef = { name: federationNode.value, range: lines.rangeAt(federationNode.offset, federationNode.length) };
    }
    const mappings: MappingEntry[] = [];
    const secretsNode = findNodeAtLocation(root, ['secrets']);
    if (secretsNode?.type === 'array') {
      (secretsNode.children ?? []).forEach((entry, index) => {
        if (entry.type !== 'object') return;
        const reference = findNodeAtLocation(entry, ['reference']);
        const secretName = findNodeAtLocation(entry, ['secretName']);
        const version = findNodeAtLocation(entry, ['version']);
        if (reference?.type !== 'string' || secretName?.type !== 'string') return;
        const mapping: MappingEntry = {
          index,
          reference: String(reference.value),
          secretName: String(secretName.value),
          range: lines.rangeAt(entry.offset, entry.length),
          referenceRange: lines.rangeAt(reference.offset, reference.length),
          secretNameRange: lines.rangeAt(secretName.offset, secretName.length),
        };
        if (version?.type === 'string') mapping.version = String(version.value);
        mappings.push(mapping);
      });
    }
    document.mappings = mappings;
  }

  const kind = document.kind;
  if (isConsumerKind(kind)) {
    const sensitive = new Set(SENSITIVE_FIELDS[kind].map((p) => p.join('/')));
    const fields: SecretFieldUse[] = [];
    for (const path of SECRET_VALUE_FIELDS[kind]) {
      const node = findNodeAtLocation(root, [...path]);
      if (!node) continue;
      const use: SecretFieldUse = { path: [...path], range: lines.rangeAt(node.offset, node.length), literal: node.type === 'string', sensitive: sensitive.has(path.join('/')) };
      if (node.type === 'object') {
        const refNode = findNodeAtLocation(node, ['secretRef']);
        if (refNode?.type === 'string' && typeof refNode.value === 'string') {
          const raw = refNode.value;
          const slash = raw.indexOf('/');
          use.secretRef = { raw, range: lines.rangeAt(refNode.offset, refNode.length) };
          if (slash > 0 && slash < raw.length - 1 && raw.indexOf('/', slash + 1) < 0) {
            use.secretRef.store = raw.slice(0, slash);
            use.secretRef.reference = raw.slice(slash + 1);
          }
        }
      }
      fields.push(use);
    }
    document.secretFields = fields;
  }
}
