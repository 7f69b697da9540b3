// Types of vsix.mjs, for the TypeScript tests that import it.
export const VSIX_ALLOWED: RegExp[];
export const VSIX_REQUIRED: string[];
export const VSIX_MAX_BYTES: number;
export interface VsixEntry {
  name: string;
  compressedSize: number;
  size: number;
  method: number;
  localHeaderOffset: number;
}
export function vsixEntries(file: string): VsixEntry[];
export function vsixRead(file: string, name: string): Buffer;
export function vsixIdentity(file: string): { id: string; version: string; manifest: Record<string, unknown> };
export function vsixProblems(file: string, options?: { maxBytes?: number }): string[];
