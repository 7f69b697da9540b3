import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Node } from 'jsonc-parser';
import { findNodeAtLocation } from 'jsonc-parser';
import type { Diagnostic, DiagnosticKind, Range } from '../diagnostics';
import { makeDiagnostic } from '../diagnostics';
import type { ConfigKind } from './kinds';
import { SCHEMA_FILES, schemaFileOf } from './schemas';
import type { LineIndex } from './text';
import { closestMatch } from './text';

/** Editor-only annotations in the schemas; ajv must accept and ignore them. */
const ANNOTATION_KEYWORDS = ['markdownDescription', 'enumDescriptions', 'patternErrorMessage', 'errorMessage', 'defaultSnippets'];

let ajv: Ajv | undefined;
const validators = new Map<ConfigKind, ValidateFunction>();

// Compiled on first use: compiling the schemas costs tens of milliseconds, which activation should not pay.
function validatorFor(kind: ConfigKind): ValidateFunction {
  let validate = validators.get(kind);
  if (validate) return validate;
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, strictTuples: false });
    ajv.addVocabulary(ANNOTATION_KEYWORDS);
    for (const [file, schema] of Object.entries(SCHEMA_FILES)) ajv.addSchema(schema, file);
  }
  validate = ajv.getSchema(schemaFileOf(kind));
  if (!validate) throw new Error(`The schema for ${kind} is missing from the build.`);
  validators.set(kind, validate);
  return validate;
}

/** Validates a parsed value against its kind's schema; errors are located in the file. */
export function validateAgainstSchema(kind: ConfigKind, value: unknown, root: Node, lines: LineIndex, file: string): Diagnostic[] {
  const validate = validatorFor(kind);
  if (validate(value)) return [];
  return explainErrors(validate.errors ?? [], root, lines, file);
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** `issuer.issuerUrl`, `secrets[2].secretName` — how people name a field. */
export function displayPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out || 'the file';
}

function nodeRange(node: Node, lines: LineIndex): Range {
  return lines.rangeAt(node.offset, node.length);
}

/** The range of the key naming the value at `path` (or the value itself at the root). */
function keyRange(root: Node, path: (string | number)[], lines: LineIndex): Range {
  const node = findNodeAtLocation(root, path);
  if (!node) return lines.rangeAt(root.offset, 1);
  const parent = node.parent;
  if (parent?.type === 'property' && parent.children?.[0]) return nodeRange(parent.children[0], lines);
  if (path.length === 0) return lines.rangeAt(node.offset, 1);
  return nodeRange(node, lines);
}

function valueRange(root: Node, path: (string | number)[], lines: LineIndex): Range {
  const node = findNodeAtLocation(root, path);
  return node ? nodeRange(node, lines) : keyRange(root, path.slice(0, -1), lines);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(schema: unknown): string {
  if (schema && typeof schema === 'object' && 'description' in schema && typeof schema.description === 'string') {
    return ` (${schema.description.replace(/`/g, '').replace(/\.$/, '')})`;
  }
  return '';
}

function annotation(schema: unknown, key: 'errorMessage' | 'patternErrorMessage'): string | undefined {
  if (schema && typeof schema === 'object' && key in schema) {
    const value = (schema as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

function explainErrors(errors: ErrorObject[], root: Node, lines: LineIndex, file: string): Diagnostic[] {
  // A failed oneOf/anyOf already explains its branches; their own errors would only repeat it confusingly.
  const umbrellas = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  // A property that must not be there at all makes its own contents' errors beside the point.
  const forbidden = errors.filter((e) => e.keyword === 'false schema').map((e) => e.instancePath);
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue;
    if (umbrellas.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    if (error.keyword !== 'false schema' && forbidden.some((p) => error.instancePath === p || error.instancePath.startsWith(`${p}/`))) continue;
    const diagnostic = explainError(error, root, lines, file);
    const key = `${diagnostic.code}|${diagnostic.range.start.line}:${diagnostic.range.start.character}|${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diagnostic);
  }
  return out;
}

function explainError(error: ErrorObject, root: Node, lines: LineIndex, file: string): Diagnostic {
  const path = pointerToPath(error.instancePath);
  const field = displayPath(path);
  const at = (kind: DiagnosticKind, range: Range, message: string) => makeDiagnostic(kind, file, range, message);
  const custom = annotation(error.parentSchema, 'errorMessage');
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case 'required': {
      const missing = String(params['missingProperty']);
      const properties = (error.schema && typeof error.parentSchema === 'object' && error.parentSchema && 'properties' in error.parentSchema
        ? (error.parentSchema.properties as Record<string, unknown>)
        : {}) ?? {};
      const where = path.length ? `\`${field}\`` : 'The file';
      return at('missingProperty', keyRange(root, path, lines), `${where} is missing the required property \`${missing}\`${describe(properties[missing])}. Add it.`);
    }
    case 'additionalProperties': {
      const extra = String(params['additionalProperty']);
      const allowed = error.parentSchema && typeof error.parentSchema === 'object' && 'properties' in error.parentSchema ? Object.keys(error.parentSchema.properties as object) : [];
      const suggestion = closestMatch(extra, allowed.filter((p) => p !== '$schema'));
      const where = path.length ? `in \`${field}\`` : 'at the top level';
      const hint = suggestion ? ` Did you mean \`${suggestion}\`?` : allowed.length ? ` Allowed: ${allowed.filter((p) => p !== '$schema').join(', ')}.` : '';
      return at('unknownProperty', keyRange(root, [...path, extra], lines), `Property \`${extra}\` is not allowed ${where}.${hint}`);
    }
    case 'false schema': {
      const name = String(path[path.length - 1] ?? '');
      return at('unknownProperty', keyRange(root, path, lines), `Property \`${name}\` does not belong here: it does not match the chosen provider. Remove it, or change the provider.`);
    }
    case 'type': {
      if (custom) return at('wrongType', valueRange(root, path, lines), `\`${field}\`: ${custom}`);
      const expected = String(params['type']).split(',').map(article).join(' or ');
      return at('wrongType', valueRange(root, path, lines), `\`${field}\` must be ${expected}, but is ${typeName(error.data)}.`);
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String);
      const suggestion = typeof error.data === 'string' ? closestMatch(error.data, allowed) : undefined;
      return at('invalidValue', valueRange(root, path, lines), `\`${field}\` must be one of: ${allowed.join(', ')}.${suggestion ? ` Did you mean \`${suggestion}\`?` : ''}`);
    }
    case 'const':
      return at('invalidValue', valueRange(root, path, lines), `\`${field}\` must be \`${JSON.stringify(params['allowedValue'])}\`.`);
    case 'pattern': {
      const explanation = annotation(error.parentSchema, 'patternErrorMessage') ?? `It must match ${String(params['pattern'])}.`;
      return at('invalidValue', valueRange(root, path, lines), `\`${field}\` is not valid. ${explanation}`);
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at('invalidValue', valueRange(root, path, lines), `\`${field}\` ${error.message ?? 'is out of range'}.`);
    case 'minLength':
      return at('invalidValue', valueRange(root, path, lines), Number(params['limit']) === 1 ? `\`${field}\` must not be empty.` : `\`${field}\` must have at least ${String(params['limit'])} characters.`);
    case 'maxLength':
      return at('invalidValue', valueRange(root, path, lines), `\`${field}\` must have at most ${String(params['limit'])} characters.`);
    case 'uniqueItems':
      return at('invalidValue', valueRange(root, path, lines), `\`${field}\` lists the same item twice (items ${String(params['j'])} and ${String(params['i'])}). Remove the duplicate.`);
    case 'minProperties':
      return at('missingProperty', keyRange(root, path, lines), `\`${field}\` must not be empty.`);
    case 'oneOf':
    case 'anyOf':
      return at('schemaViolation', keyRange(root, path, lines), `\`${field}\`: ${custom ?? 'does not match any allowed form.'}`);
    default:
      return at('schemaViolation', valueRange(root, path, lines), `\`${field}\` ${custom ?? error.message ?? 'is not valid'}.`);
  }
}
