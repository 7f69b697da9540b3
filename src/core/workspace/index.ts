import type { Diagnostic } from '../diagnostics';
import { compareDiagnostics } from '../diagnostics';
import type { ConfigKind } from '../model/kinds';
import { CONSUMER_KINDS } from '../model/kinds';
import type { ParseResult } from '../model/parse';
import type { ConfigDocument, MappingEntry, SecretFieldUse } from '../model/types';
import { computeSemanticDiagnostics } from './checks';

/** A consumer field pointing at a store mapping. */
export interface ReferenceUse {
  consumer: ConfigDocument;
  field: SecretFieldUse;
}

/** Where a `<store>/<reference>` leads: the store and mapping, when they exist. */
export interface ResolvedReference {
  store?: ConfigDocument<'secretstore'>;
  mapping?: MappingEntry;
}

/**
 * The index of every config instance in a workspace and the reference graph between them
 * (consumer -> store/reference -> store -> federation). Files are added and removed as they change;
 * semantic diagnostics are recomputed lazily, once per change.
 */
export class WorkspaceIndex {
  private readonly files = new Map<string, ParseResult>();
  private semantic: Diagnostic[] | undefined;
  private semanticByFile: Map<string, Diagnostic[]> | undefined;
  private revision = 0;

  /** Increases on every change, so callers can tell whether what they computed is current. */
  get version(): number {
    return this.revision;
  }

  set(result: ParseResult): void {
    this.files.set(result.document.file, result);
    this.invalidate();
  }

  remove(file: string): boolean {
    const removed = this.files.delete(file);
    if (removed) this.invalidate();
    return removed;
  }

  /** Removes every file under a folder (a deleted or renamed folder). */
  removeUnder(folder: string): string[] {
    const prefix = folder.endsWith('/') ? folder : `${folder}/`;
    const gone = [...this.files.keys()].filter((f) => f.startsWith(prefix));
    for (const file of gone) this.files.delete(file);
    if (gone.length) this.invalidate();
    return gone;
  }

  clear(): void {
    this.files.clear();
    this.invalidate();
  }

  has(file: string): boolean {
    return this.files.has(file);
  }

  get(file: string): ConfigDocument | undefined {
    return this.files.get(file)?.document;
  }

  /** The file's instance when it is of the given kind. */
  getOfKind<K extends ConfigKind>(file: string, kind: K): ConfigDocument<K> | undefined {
    const document = this.files.get(file)?.document;
    return document?.kind === kind ? (document as ConfigDocument<K>) : undefined;
  }

  get fileNames(): string[] {
    return [...this.files.keys()];
  }

  documents(): ConfigDocument[] {
    return [...this.files.values()].map((r) => r.document).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  ofKind<K extends ConfigKind>(kind: K): ConfigDocument<K>[] {
    return this.documents().filter((d): d is ConfigDocument<K> => d.kind === kind);
  }

  consumers(): ConfigDocument[] {
    return this.documents().filter((d) => (CONSUMER_KINDS as readonly string[]).includes(d.kind));
  }

  /** The first instance of a kind with this name (duplicates are reported separately). */
  find<K extends ConfigKind>(kind: K, name: string): ConfigDocument<K> | undefined {
    return this.ofKind(kind).find((d) => d.name === name);
  }

  federationOf(store: ConfigDocument<'secretstore'>): ConfigDocument<'federation'> | undefined {
    return store.federationRef ? this.find('federation', store.federationRef.name) : undefined;
  }

  resolveReference(storeName: string, reference: string): ResolvedReference {
    const store = this.find('secretstore', storeName);
    if (!store) return {};
    const mapping = store.mappings?.find((m) => m.reference === reference);
    return mapping ? { store, mapping } : { store };
  }

  /** Every consumer field that references `<store>/<reference>` (or any reference of the store). */
  usesOf(storeName: string, reference?: string): ReferenceUse[] {
    const uses: ReferenceUse[] = [];
    for (const consumer of this.consumers()) {
      for (const field of consumer.secretFields ?? []) {
        const ref = field.secretRef;
        if (ref?.store === storeName && (reference === undefined || ref.reference === reference)) uses.push({ consumer, field });
      }
    }
    return uses;
  }

  /** Stores that authenticate through the federation. */
  storesUsing(federationName: string): ConfigDocument<'secretstore'>[] {
    return this.ofKind('secretstore').filter((s) => s.federationRef?.name === federationName);
  }

  /** The file's own diagnostics (syntax, schema) followed by the workspace checks that concern it. */
  diagnosticsFor(file: string): Diagnostic[] {
    const own = this.files.get(file)?.diagnostics ?? [];
    const semantic = this.semanticIndex().get(file) ?? [];
    return [...own, ...semantic].sort(compareDiagnostics);
  }

  allDiagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const result of this.files.values()) out.push(...result.diagnostics);
    this.semanticIndex();
    out.push(...(this.semantic ?? []));
    return out.sort(compareDiagnostics);
  }

  private semanticIndex(): Map<string, Diagnostic[]> {
    if (!this.semanticByFile) {
      this.semantic = computeSemanticDiagnostics(this);
      const byFile = new Map<string, Diagnostic[]>();
      for (const d of this.semantic) {
        const list = byFile.get(d.file);
        if (list) list.push(d);
        else byFile.set(d.file, [d]);
      }
      this.semanticByFile = byFile;
    }
    return this.semanticByFile;
  }

  private invalidate(): void {
    this.revision++;
    this.semantic = undefined;
    this.semanticByFile = undefined;
  }
}
