// Regenerates the README's generated sections (config reference, commands, settings) from the schemas and
// package.json: `npm run docs`. A unit test fails when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderConfigReference } from '../src/core/docs/config-reference';

interface Manifest {
  contributes?: {
    commands?: { command: string; title: string; category?: string }[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
    keybindings?: { command: string; key: string }[];
    configuration?: { properties?: Record<string, { type?: string | string[]; default?: unknown; markdownDescription?: string; description?: string; scope?: string }> } | { properties?: Record<string, unknown> }[];
  };
}

const root = path.resolve(__dirname, '..');

export function renderCommands(manifest: Manifest): string {
  const hidden = new Set((manifest.contributes?.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
  const keys = new Map((manifest.contributes?.keybindings ?? []).map((k) => [k.command, k.key]));
  const rows = (manifest.contributes?.commands ?? [])
    .filter((c) => !hidden.has(c.command))
    .map((c) => `| ${c.category ? `${c.category}: ` : ''}${c.title} | \`${c.command}\` | ${keys.has(c.command) ? `\`${keys.get(c.command) ?? ''}\`` : ''} |`);
  return ['| command | id | key |', '|---|---|---|', ...rows].join('\n');
}

export function renderSettings(manifest: Manifest): string {
  const configuration = manifest.contributes?.configuration;
  const sections = Array.isArray(configuration) ? configuration : configuration ? [configuration] : [];
  const rows: string[] = [];
  for (const section of sections) {
    for (const [key, raw] of Object.entries(section.properties ?? {})) {
      const setting = raw as { type?: string | string[]; default?: unknown; markdownDescription?: string; description?: string; scope?: string };
      const description = (setting.markdownDescription ?? setting.description ?? '').replace(/\|/g, '\\|').replace(/\n+/g, ' ');
      rows.push(`| \`${key}\` | ${Array.isArray(setting.type) ? setting.type.join(', ') : (setting.type ?? '')} | \`${JSON.stringify(setting.default)}\` | ${setting.scope ?? 'window'} | ${description} |`);
    }
  }
  return ['| setting | type | default | scope | description |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function generatedSections(): Record<string, string> {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
  return { 'config-reference': renderConfigReference(), commands: renderCommands(manifest), settings: renderSettings(manifest) };
}

export function sectionMarkers(name: string): { begin: RegExp; end: string } {
  return { begin: new RegExp(`<!-- ${name}:begin[^>]*-->`), end: `<!-- ${name}:end -->` };
}

export function readSection(readme: string, name: string): string | undefined {
  const { begin, end } = sectionMarkers(name);
  const match = begin.exec(readme);
  const stop = readme.indexOf(end);
  if (!match || stop < match.index) return undefined;
  return readme.slice(match.index + match[0].length, stop).trim();
}

function write(): void {
  const file = path.join(root, 'README.md');
  let readme = readFileSync(file, 'utf8');
  for (const [name, body] of Object.entries(generatedSections())) {
    const { begin, end } = sectionMarkers(name);
    const match = begin.exec(readme);
    const stop = readme.indexOf(end);
    if (!match || stop < match.index) throw new Error(`README.md lacks the ${name} markers.`);
    readme = `${readme.slice(0, match.index + match[0].length)}\n\n${body}\n\n${readme.slice(stop)}`;
  }
  writeFileSync(file, readme);
  console.log('README.md generated sections updated.');
}

if (require.main === module) write();
