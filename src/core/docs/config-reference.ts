import type { ConfigKind } from '../model/kinds';
import { CONFIG_KINDS } from '../model/kinds';
import { SCHEMA_FILES, schemaFileOf } from '../model/schemas';

/** Renders the README's config reference from the schemas, so the two cannot drift apart. */

interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  properties?: Record<string, SchemaNode | boolean>;
  required?: string[];
  items?: SchemaNode;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  allOf?: { if?: SchemaNode; then?: SchemaNode }[];
  if?: SchemaNode;
  then?: SchemaNode;
  else?: SchemaNode;
  title?: string;
  definitions?: Record<string, SchemaNode>;
}

function resolve(node: SchemaNode, file: string): { node: SchemaNode; file: string } {
  let current = node;
  let currentFile = file;
  for (let i = 0; i < 10 && current.$ref; i++) {
    const [target = '', pointer = ''] = current.$ref.split('#');
    const nextFile = target || currentFile;
    let resolved: unknown = SCHEMA_FILES[nextFile];
    for (const part of pointer.split('/').filter(Boolean)) resolved = (resolved as Record<string, unknown>)[part];
    const { $ref: _ignored, ...rest } = current;
    current = { ...(resolved as SchemaNode), ...rest };
    currentFile = nextFile;
  }
  return { node: current, file: currentFile };
}

function typeOf(node: SchemaNode): string {
  if (node.then?.$ref?.endsWith('secretReference')) return 'secret value';
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.type === 'array') return `array of ${node.items?.type ? `${String(node.items.type)}s` : 'objects'}`;
  return Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'object');
}

function text(node: SchemaNode): string {
  const raw = node.markdownDescription ?? node.description ?? '';
  const extras: string[] = [];
  if (node.default !== undefined) extras.push(`Default \`${JSON.stringify(node.default)}\`.`);
  return [raw.replace(/\|/g, '\\|').replace(/\n/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;'), ...extras].filter(Boolean).join(' ');
}

function rows(node: SchemaNode, file: string, prefix: string, requiredHere: readonly string[], out: string[], depth: number): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (key === '$schema' || typeof child === 'boolean') continue;
    const { node: resolved, file: childFile } = resolve(child, file);
    const path = `${prefix}${key}`;
    out.push(`| \`${path}\` | ${typeOf(resolved)} | ${requiredHere.includes(key) ? 'yes' : ''} | ${text(resolved)} |`);
    if (depth < 3) {
      if (resolved.properties) rows(resolved, childFile, `${path}.`, resolved.required ?? [], out, depth + 1);
      if (resolved.items) {
        const item = resolve(resolved.items, childFile);
        if (item.node.properties) rows(item.node, item.file, `${path}[].`, item.node.required ?? [], out, depth + 1);
      }
      // Variants chosen by a discriminator (issuer.type): document each variant's own fields.
      for (const branch of resolved.allOf ?? []) {
        const discriminator = Object.entries(branch.if?.properties ?? {})[0];
        if (!discriminator || !branch.then?.$ref) continue;
        const variant = resolve(branch.then, childFile);
        const label = String((discriminator[1] as SchemaNode).const);
        const fields: string[] = [];
        rows({ properties: Object.fromEntries(Object.entries(variant.node.properties ?? {}).filter(([k]) => k !== discriminator[0])) }, variant.file, `${path}.`, variant.node.required ?? [], fields, depth + 1);
        out.push(...fields.map((row) => row.replace(/^\| `([^`]+)` \|/, `| \`$1\` (${discriminator[0]} \`${label}\`) |`)));
      }
    }
  }
}

export function renderKindReference(kind: ConfigKind): string {
  const file = schemaFileOf(kind);
  const schema = SCHEMA_FILES[file] as SchemaNode;
  const out = [`#### ${schema.title ?? kind} — \`*.${kind}.json\``, '', schema.description ?? '', '', '| field | type | required | description |', '|---|---|---|---|'];
  rows(schema, file, '', schema.required ?? [], out, 0);
  return out.join('\n');
}

export function renderConfigReference(): string {
  return CONFIG_KINDS.map(renderKindReference).join('\n\n');
}
